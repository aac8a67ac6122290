from django.urls import include, path

from ketacare.web.views import healthz

from .api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("patients/", include("ketacare.patients.urls")),
    path("audit/", include("ketacare.audit.urls")),
    path("api/v1/", api.urls),
    path("", include("ketacare.web.urls")),
]
