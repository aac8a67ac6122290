"""Forms of the owner's calendar set-up: a service, a chair or room, a weekly pattern (each
weekday up to two spans), a holiday, leave or extra hours. They parse; ``setup`` decides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from django import forms

from ketacare.accounts.models import Membership
from ketacare.clinical import load_protocols
from ketacare.lib.forms import Form

from .models import HoursException, ResourceKind, Service

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPANS = (1, 2)
ROLE_CHOICES = [("nurse", "Nurse"), ("prescriber", "Prescriber")]


def _time(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ServiceForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label="Name", max_length=200)
    duration_min = forms.IntegerField(
        label="Procedure (min)", help_text="The performer is taken for this long."
    )
    recovery_min = forms.IntegerField(
        label="Recovery or observation (min)", help_text="After the procedure, in the chair."
    )
    buffer_min = forms.IntegerField(
        label="Turnover (min)", help_text="The chair or room is made ready after recovery."
    )
    resource_kind = forms.ChoiceField(label="Booked on", choices=ResourceKind.choices)
    performer_roles = forms.MultipleChoiceField(
        label="Performed by",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prescriber_on_site = forms.BooleanField(
        label="A prescriber on site for the whole block", required=False
    )
    needs_ride_home = forms.BooleanField(
        label="A ride home on the chart before check-in", required=False
    )
    needs_rems_enrolment = forms.BooleanField(
        label="SPRAVATO REMS enrolment on file before booking", required=False
    )
    protocol_ids = forms.MultipleChoiceField(
        label="Protocols it delivers", required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label="Offered (bookable)", required=False)

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": service.version,
                "name": service.name,
                "duration_min": service.duration_min,
                "recovery_min": service.recovery_min,
                "buffer_min": service.buffer_min,
                "resource_kind": service.resource_kind,
                "performer_roles": list(service.performer_roles),
                "prescriber_on_site": service.prescriber_on_site,
                "needs_ride_home": service.needs_ride_home,
                "needs_rems_enrolment": service.needs_rems_enrolment,
                "protocol_ids": list(service.protocol_ids),
                "is_active": service.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        protocols = self.fields["protocol_ids"]
        assert isinstance(protocols, forms.MultipleChoiceField)
        protocols.choices = [
            (p.id, p.title)
            for p in sorted(load_protocols().values(), key=lambda p: p.title)
            if p.service == service.service_type and p.setting == "clinic"
        ]
        if not protocols.choices:
            del self.fields["protocol_ids"]

    def changes(self) -> dict[str, Any]:
        """What ``setup.service_update`` takes (every field but the version)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if "protocol_ids" in data:
            data["protocol_ids"] = list(data["protocol_ids"])
        data["performer_roles"] = list(data["performer_roles"])
        return data


class ResourceForm(Form):
    prefix = "resource"
    kind = forms.ChoiceField(label="Chair or room", choices=ResourceKind.choices)
    name = forms.CharField(label="Name", max_length=200, help_text="For example Chair 4.")


class WeeklyHoursForm(Form):
    """Each weekday, up to two spans (a morning and an afternoon); an empty day is closed."""

    def __init__(
        self, *args: Any, pattern: Mapping[int, Sequence[tuple[time, time]]], **kwargs: Any
    ) -> None:
        initial: dict[str, time] = {}
        for weekday, spans in pattern.items():
            for n, (opens, closes) in zip(SPANS, sorted(spans), strict=False):
                initial[f"d{weekday}_opens_{n}"] = opens
                initial[f"d{weekday}_closes_{n}"] = closes
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(WEEKDAYS):
            for n in SPANS:
                which = "" if n == 1 else " (second span)"
                self.fields[f"d{weekday}_opens_{n}"] = _time(f"{name} from{which}")
                self.fields[f"d{weekday}_closes_{n}"] = _time(f"{name} until{which}")
        # Which field each span of ``pattern()`` came from, in the order the service sorts them.
        self._sources: dict[int, list[int]] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday in range(len(WEEKDAYS)):
            for n in SPANS:
                opens, closes = f"d{weekday}_opens_{n}", f"d{weekday}_closes_{n}"
                if opens in self.errors or closes in self.errors:
                    continue
                if (data.get(opens) is None) != (data.get(closes) is None):
                    missing = closes if data.get(closes) is None else opens
                    self.add_error(missing, "Give both times of the span, or neither.")
        return data

    def rows(self) -> list[tuple[str, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [
            (
                name,
                [(self[f"d{weekday}_opens_{n}"], self[f"d{weekday}_closes_{n}"]) for n in SPANS],
            )
            for weekday, name in enumerate(WEEKDAYS)
        ]

    def pattern(self) -> dict[int, list[tuple[time, time]]]:
        found: dict[int, list[tuple[time, time]]] = {}
        for weekday in range(len(WEEKDAYS)):
            spans = [
                (
                    n,
                    self.cleaned_data[f"d{weekday}_opens_{n}"],
                    self.cleaned_data[f"d{weekday}_closes_{n}"],
                )
                for n in SPANS
                if self.cleaned_data.get(f"d{weekday}_opens_{n}") is not None
            ]
            spans.sort(key=lambda span: (span[1], span[2]))
            self._sources[weekday] = [n for n, _, _ in spans]
            if spans:
                found[weekday] = [(opens, closes) for _, opens, closes in spans]
        return found

    def add_service_error(self, key: str, message: str) -> None:
        """``hours[<weekday>][<n>]`` (the n-th span, sorted) on the field its span starts
        with; anything else is the form's own."""
        parts = key.removeprefix("hours[").rstrip("]").split("][")
        name = None
        if key.startswith("hours[") and all(p.isdigit() for p in parts):
            weekday = int(parts[0])
            sources = self._sources.get(weekday, [])
            if len(parts) == 2 and int(parts[1]) < len(sources):
                name = f"d{weekday}_opens_{sources[int(parts[1])]}"
        self.add_error(
            name, message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
        )


class ExceptionForm(Form):
    prefix = "exception"
    who = forms.ChoiceField(label="Who", required=False)
    day = forms.DateField(
        label="Day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(
        label="What changes",
        choices=[
            (HoursException.Kind.REPLACE.value, "Closed, or only these hours"),
            (HoursException.Kind.ADD.value, "Extra hours"),
            (HoursException.Kind.REMOVE.value, "Away for part of the day"),
        ],
        help_text="Closed: leave the times empty (a holiday, a day of leave).",
    )
    opens = _time("From")
    closes = _time("Until")
    reason = forms.CharField(label="Reason", max_length=200, help_text="Holiday, leave, training…")

    def __init__(self, *args: Any, staff: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = self.fields["who"]
        assert isinstance(who, forms.ChoiceField)
        who.choices = [("", "The whole site (opening hours)")] + [
            (str(m.pk), f"{m.user.full_name} ({m.get_role_display()})") for m in staff
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == HoursException.Kind.REMOVE and data.get("opens") is None:
            self.add_error(
                "opens",
                "Give the hours away; for the whole day choose “Closed, or only these hours”.",
            )
        return data

    def membership_id(self) -> int | None:
        who = self.cleaned_data.get("who")
        return int(who) if who else None
