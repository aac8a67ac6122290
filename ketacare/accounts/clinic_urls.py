"""The owner's clinic pages (``/clinic/``): clinical settings and sites."""

from django.urls import path

from . import admin_views

app_name = "clinic"

urlpatterns = [
    path("settings/", admin_views.clinic_settings, name="settings"),
    path("sites/", admin_views.site_list, name="sites"),
    path("sites/<int:pk>/", admin_views.site_edit, name="site_edit"),
    path("sites/<int:pk>/deactivate/", admin_views.site_deactivate, name="site_deactivate"),
    path("sites/<int:pk>/reactivate/", admin_views.site_reactivate, name="site_reactivate"),
]
