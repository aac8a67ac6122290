from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketacare.sessions"
    label = "chairside"

    def ready(self) -> None:
        # The chart's sessions panel, the header's links to the board of the chairs and to
        # the REMS queue, and the REMS forms' due-alert job.
        from . import jobs, panels, rems_panels  # noqa: F401
