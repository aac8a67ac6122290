from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketacare.patients"
    label = "patients"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the chart's details and sections
