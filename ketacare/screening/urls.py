from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("<uuid:pk>/intake/new/", views.intake_new, name="intake_new"),
    path("<uuid:pk>/screening/", views.screening_detail, name="detail"),
]
