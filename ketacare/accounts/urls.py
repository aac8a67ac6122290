from django.urls import path

from . import link_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/reset/", views.mfa_reset, name="mfa_reset"),
    path("clinic/", views.clinic_switch, name="clinic_switch"),
    # Opened from emailed links (link_views): an invitation, a password reset.
    path("invitation/", link_views.invitation, name="invitation"),
    path("password-reset/", link_views.password_reset_request, name="password_reset"),
    path(
        "password-reset/confirm/",
        link_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
