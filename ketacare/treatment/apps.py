from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "ketacare.treatment"
    label = "treatment"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the candidacy and treatment panel
        from . import stage  # noqa: F401 - registers the patient list's stage column
