from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "ketacare.alerts"
    label = "alerts"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the open-alerts panel and header link
