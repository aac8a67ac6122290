"""The owner's Staff page (``/staff/``)."""

from django.urls import path

from . import admin_views

app_name = "staff"

urlpatterns = [
    path("", admin_views.staff_list, name="list"),
    path("invite/", admin_views.staff_invite, name="invite"),
    path("<int:pk>/role/", admin_views.staff_role, name="role"),
    path("<int:pk>/deactivate/", admin_views.staff_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", admin_views.staff_reactivate, name="reactivate"),
    path(
        "invitations/<int:pk>/revoke/",
        admin_views.staff_invitation_revoke,
        name="invitation_revoke",
    ),
]
