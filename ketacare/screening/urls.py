from django.urls import path

from . import intake_views, views

app_name = "screening"

urlpatterns = [
    path("<uuid:pk>/intake/new/", intake_views.intake_new, name="intake_new"),
    path("<uuid:pk>/intake/review/", intake_views.intake_review, name="intake_review"),
    path("<uuid:pk>/intake/<slug:key>/", intake_views.intake_section, name="intake_section"),
    path("<uuid:pk>/screening/", views.screening_detail, name="detail"),
]
