from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketacare.sessions"
    label = "chairside"

    def ready(self) -> None:
        # The chart's sessions panel and the header's link to the board of the chairs.
        from . import panels  # noqa: F401
