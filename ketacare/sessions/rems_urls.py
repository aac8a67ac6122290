"""The Spravato REMS forms' pages, under /rems/."""

from django.urls import path

from . import rems_views

app_name = "rems"

urlpatterns = [
    path("", rems_views.queue, name="queue"),
    path("forms/<int:pk>/", rems_views.form_page, name="form"),
]
