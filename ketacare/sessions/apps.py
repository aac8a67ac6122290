from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketacare.sessions"
    label = "chairside"

    def ready(self) -> None:
        # The REMS forms' due-alert job and the header's REMS link.
        from . import jobs, rems_panels  # noqa: F401
