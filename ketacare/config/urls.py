from django.urls import include, path

from ketacare.web.views import healthz

from .api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("patients/", include("ketacare.patients.urls")),
    path("patients/", include("ketacare.screening.urls")),
    path("audit/", include("ketacare.oversight.urls")),
    path("staff/", include("ketacare.accounts.staff_urls")),
    path("clinic/", include("ketacare.accounts.clinic_urls")),
    path("alerts/", include("ketacare.alerts.urls")),
    path("jobs/", include("ketacare.jobs.urls")),
    path("schedule/", include("ketacare.scheduling.urls")),
    path("schedule/setup/", include("ketacare.scheduling.setup_urls")),
    path("schedule/requests/", include("ketacare.scheduling.requests_urls")),
    path("calendar/", include("ketacare.scheduling.feed_urls")),
    path("controlled/", include("ketacare.controlled.urls")),
    path("rems/", include("ketacare.sessions.rems_urls")),
    path("sessions/", include("ketacare.sessions.urls")),
    path("", include("ketacare.scheduling.course_urls")),
    path("", include("ketacare.treatment.urls")),
    path("api/v1/", api.urls),
    path("", include("ketacare.web.urls")),
]
