"""The owner's calendar set-up: services, chairs and rooms, hours, holidays and leave."""

from django.urls import path

from . import reminder_views
from . import setup_views as views

app_name = "calendar_setup"

urlpatterns = [
    path("", views.index, name="index"),
    path("services/", views.services, name="services"),
    path("services/seed/", views.services_seed, name="services_seed"),
    path("services/<int:pk>/", views.service_edit, name="service_edit"),
    path("sites/<int:pk>/", views.site, name="site"),
    path("sites/<int:pk>/resources/", views.resource_add, name="resource_add"),
    path(
        "resources/<int:pk>/out-of-service/",
        views.resource_out_of_service,
        name="resource_out_of_service",
    ),
    path(
        "resources/<int:pk>/back-in-service/",
        views.resource_back_in_service,
        name="resource_back_in_service",
    ),
    path("sites/<int:pk>/hours/", views.site_hours, name="site_hours"),
    path("sites/<int:pk>/staff/<int:member>/hours/", views.staff_hours, name="staff_hours"),
    path("sites/<int:pk>/exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/<int:pk>/remove/", views.exception_remove, name="exception_remove"),
    path("reminders/", reminder_views.reminder_rules, name="reminders"),
]
