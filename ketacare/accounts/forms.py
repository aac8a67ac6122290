from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


_CODE_HELP = "The 6-digit code from your authenticator app, or one of your recovery codes."


def _code_field(*, autofocus: bool) -> forms.CharField:
    # No inputmode="numeric": a recovery code has letters.
    attrs: dict[str, str | bool] = {
        "autocomplete": "one-time-code",
        "autocapitalize": "off",
        "spellcheck": "false",
    }
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label="Code", max_length=32, help_text=_CODE_HELP, widget=forms.TextInput(attrs=attrs)
    )


def _password_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label="Your password",
        max_length=1024,
        strip=False,
        required=required,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(forms.Form):
    """The code at login: TOTP or a recovery code."""

    code = _code_field(autofocus=True)


class RecoveryCodesForm(forms.Form):
    """New recovery codes; the password is needed when they replace a set (the service
    decides)."""

    prefix = "codes"
    password = _password_field(required=False)


class MfaResetForm(forms.Form):
    prefix = "reset"
    password = _password_field()
    code = _code_field(autofocus=False)


class ClinicSwitchForm(forms.Form):
    clinic = forms.IntegerField()
