from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class JobsConfig(AppConfig):
    name = "ketacare.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The first jobs, registered the way any app registers its own (schedule.py).
        from . import panels, schedule, tasks  # noqa: F401 - panels registers the header link

        try:
            nightly = schedule.parse_utc_time(settings.KETACARE_NIGHTLY_AT_UTC)
        except ValueError as exc:
            raise ImproperlyConfigured(f"KETACARE_NIGHTLY_AT_UTC: {exc}") from None
        schedule.register(
            "audit.verify_chain",
            tasks.verify_audit_chain,
            description="Audit log integrity (audit verify); alerts the owners if broken",
            daily_at=nightly,
        )
        schedule.register(
            "idempotency.prune",
            tasks.prune_idempotency_keys,
            description="Delete expired idempotency keys",
            daily_at=nightly,
        )
        schedule.register(
            "accounts.prune_login_failures",
            tasks.prune_login_failures,
            description="Delete login-throttle rows no throttle counts any more",
            daily_at=nightly,
        )
