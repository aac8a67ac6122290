from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The owner's view of the audit log, and the trail that refused reads leave in it."""

    name = "ketacare.oversight"
    label = "oversight"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the header link
