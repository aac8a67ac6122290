"""The one exception the engine raises for bad input, so callers can show it as a user error."""

from __future__ import annotations


class PkInputError(ValueError):
    """An input outside what the engine or the model accepts.

    ``field`` names the offending input (``dose_mg``, ``weight_kg``, ``route`` ...) so that a form,
    an API or the CLI can attach the message to the right place.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
