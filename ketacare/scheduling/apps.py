from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ketacare.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        # The header counters, the chart's appointments panel, the patient list's next
        # appointment column, and the reminder job.
        from . import jobs, panels  # noqa: F401
