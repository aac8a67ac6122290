"""Email-and-password authentication."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User, normalize_email


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(email=normalize_email(username)).first()
        if user is None:
            # Hash anyway so an unknown email takes as long as a wrong password.
            User(password="").set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
