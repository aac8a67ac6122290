"""Forms of the owner's pages (Staff, Clinic settings, Sites), the invitation and the password
reset. They parse; the services decide (ranges, the last owner, the last site)."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.clinical.settings import SettingInfo, allowed_text
from ketacare.lib.forms import Form

from .models import Role

STAFF_ROLE_CHOICES = [
    (role.value, role.label) for role in (Role.OWNER, Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK)
]


def sentence(message: str) -> str:
    """A service's message as a sentence on a page: a capital letter (unless it starts with an
    email address, kept as typed) and a full stop."""
    first = message.split(" ", 1)[0]
    if "@" not in first:
        message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


class InviteForm(Form):
    prefix = "invite"
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)


class RoleForm(Form):
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)


def _new_password(label: str, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class _PasswordPair(Form):
    password = _new_password("New password")
    password_again = _new_password("The same password again")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        return data


class AcceptNewForm(_PasswordPair):
    """Accepting an invitation without an account: a name and a password."""

    full_name = forms.CharField(
        label="Your name",
        max_length=200,
        help_text="As your colleagues and the audit log should show it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ("full_name", "password", "password_again")


class ResetRequestForm(Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class ResetPasswordForm(_PasswordPair):
    pass


class SiteForm(Form):
    name = forms.CharField(max_length=200)
    address_line = forms.CharField(label="Address", max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(label="State / region", max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(
        max_length=2, initial="US", help_text="Two-letter code (ISO 3166-1), e.g. US."
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        help_text="The Spravato REMS form gives it for the monitoring healthcare provider.",
    )
    time_zone = forms.CharField(
        label="Time zone", max_length=64, help_text="IANA name, e.g. America/New_York."
    )


class VersionForm(Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


# --- clinic settings --------------------------------------------------------------------------

_BOOL_CHOICES = [("true", "Yes"), ("false", "No")]


def _setting_field(info: SettingInfo) -> forms.Field:
    """An input for one setting. Ranges are the core's to check (its message names the range);
    the browser gets them as min/max so it can warn early."""
    attrs: dict[str, Any] = {}
    if info.minimum is not None:
        attrs["min"] = info.minimum if not isinstance(info.default, int) else int(info.minimum)
    if info.maximum is not None:
        attrs["max"] = info.maximum if not isinstance(info.default, int) else int(info.maximum)
    if isinstance(info.default, bool):
        return forms.ChoiceField(choices=_BOOL_CHOICES)
    if info.choices is not None:
        return forms.ChoiceField(choices=[(c, c) for c in info.choices])
    if isinstance(info.default, int):
        return forms.IntegerField(widget=forms.NumberInput(attrs={**attrs, "step": 1}))
    return forms.FloatField(widget=forms.NumberInput(attrs={**attrs, "step": "any"}))


def _allowed(info: SettingInfo) -> str:
    """'Range 140-220 mmHg (a whole number)', 'Values: low, moderate, high', 'Yes or no'."""
    if isinstance(info.default, bool):
        return "Yes or no"
    text = allowed_text(info.name).removeprefix("allowed ")
    return text[:1].upper() + text[1:]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _as_form_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class SettingsForm(Form):
    """Every setting with its current value, a "back to the default" box for each one the
    clinic changed, the version the page showed and the reason for the change."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the new version and in the audit log.",
        required=False,
    )

    def __init__(
        self,
        data: Any,
        *,
        infos: list[SettingInfo],
        overridden: frozenset[str],
        version: int,
    ) -> None:
        initial: dict[str, object] = {"version": version}
        initial.update({info.name: _as_form_value(info.value) for info in infos})
        super().__init__(data, initial=initial)
        self.infos = infos
        self.overridden = overridden
        for info in infos:
            self.fields[info.name] = _setting_field(info)
            if info.name in overridden:
                self.fields[f"default_{info.name}"] = forms.BooleanField(
                    required=False, label="Back to the default"
                )

    def rows(self) -> list[dict[str, Any]]:
        """One row per setting for the template: its metadata and its inputs."""
        return [
            {
                "info": info,
                "field": self[info.name],
                "default_field": self[f"default_{info.name}"]
                if info.name in self.overridden
                else None,
                "overridden": info.name in self.overridden,
                "default_text": _shown(info.default),
                "allowed": _allowed(info),
            }
            for info in self.infos
        ]

    def changes(self) -> dict[str, object]:
        """What differs from the values shown: a new value, or None (back to the default)."""
        changes: dict[str, object] = {}
        for info in self.infos:
            if self.cleaned_data.get(f"default_{info.name}"):
                changes[info.name] = None
                continue
            value = self.cleaned_data[info.name]
            if isinstance(info.default, bool):
                value = value == "true"
            if value != info.value:
                changes[info.name] = value
        return changes
