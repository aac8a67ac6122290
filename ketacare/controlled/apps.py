"""The controlled-substance ledger: receipts, administrations, waste, transfers and counts."""

from django.apps import AppConfig


class ControlledConfig(AppConfig):
    name = "ketacare.controlled"
    label = "controlled"

    def ready(self) -> None:
        # The header's "Controlled substances" link.
        from . import panels  # noqa: F401
