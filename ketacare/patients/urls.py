from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:pk>/", views.patient_detail, name="detail"),
    path("<uuid:pk>/edit/", views.patient_edit, name="edit"),
    path("<uuid:pk>/status/", views.patient_status, name="status"),
    path("<uuid:pk>/<slug:key>/add/", views.part_add, name="part_add"),
    path("<uuid:pk>/<slug:key>/<int:part_id>/edit/", views.part_edit, name="part_edit"),
]
