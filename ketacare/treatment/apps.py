from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "ketacare.treatment"
    label = "treatment"

    def ready(self) -> None:
        # The candidacy and treatment panel; the patient list's stage column.
        from . import panels, stage  # noqa: F401
