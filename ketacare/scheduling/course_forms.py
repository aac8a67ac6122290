"""Forms of the course page: what to propose (phase, number of sessions, first day, site), and
the proposed sessions as the user confirms them (each date and time in the site's zone, the
chair and the performer optional). They parse; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Membership, Site
from ketacare.lib.forms import Form
from ketacare.lib.inputs import date_problem

from .course_display import INPUT_FORMAT, member_text
from .models import Resource

_FORMATS = (INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
#: The most sessions one confirmation books (as the service allows).
MAX_SESSIONS = 60


class ProposalForm(Form):
    phase = forms.ChoiceField(label="Phase")
    sessions = forms.IntegerField(
        label="Number of sessions", help_text="Of the sessions left in the phase."
    )
    first_day = forms.DateField(
        label="First day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The first session is looked for from this day on.",
    )
    site = forms.ChoiceField(label="Site")

    def __init__(
        self,
        *args: Any,
        phases: Sequence[tuple[str, str]],
        sites: Sequence[Site],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        phase = self.fields["phase"]
        site = self.fields["site"]
        assert isinstance(phase, forms.ChoiceField) and isinstance(site, forms.ChoiceField)
        phase.choices = list(phases)
        site.choices = [(str(s.pk), f"{s.name} ({s.time_zone})") for s in sites]


class LocalDateTimeField(forms.Field):
    """A wall-clock date and time of the site's zone (a ``datetime-local`` input), as an aware
    instant; a time the clocks skip is refused, a repeated one is its first occurrence."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT)

    def __init__(self, *, tz: ZoneInfo, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self.tz).strftime(INPUT_FORMAT)
        return value

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        naive = None
        for pattern in _FORMATS:
            try:
                # A wall-clock time of the site, made aware just below.
                naive = datetime.strptime(str(value).strip(), pattern)  # noqa: DTZ007
                break
            except ValueError:
                continue
        if naive is None:
            raise ValidationError(
                "Enter a date and time, such as 2026-03-02 08:00.", code="invalid"
            )
        problem = date_problem(naive.date())
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".", code="date_range")
        aware = naive.replace(tzinfo=self.tz)
        if aware.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != naive:
            raise ValidationError(
                f"{naive:%H:%M} does not exist on {naive:%Y-%m-%d} in {self.tz.key}: the clocks "
                "go forward then. Choose another time.",
                code="nonexistent",
            )
        return aware


class BookForm(Form):
    """The proposal as confirmed: session ``i`` is ``s<i>_start`` (with ``s<i>_resource`` and
    ``s<i>_performer``, blank for the first free); the rest repeats what was proposed."""

    prefix = "book"
    phase = forms.CharField(widget=forms.HiddenInput, max_length=60)
    service = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    site = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sessions = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_SESSIONS)
    first_day = forms.DateField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        count: int,
        first_number: int,
        tz: ZoneInfo,
        resources: Sequence[Resource],
        performers: Sequence[Membership],
        resource_label: str = "Chair",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.count = count
        self.resource_label = resource_label
        self.numbers = [first_number + i for i in range(count)]
        resource_choices = [("", f"Any free {resource_label.lower()}")] + [
            (str(r.pk), r.name) for r in resources
        ]
        performer_choices = [("", "Anyone free who performs it")] + [
            (str(m.pk), member_text(m)) for m in performers
        ]
        for i, number in enumerate(self.numbers):
            self.fields[f"s{i}_start"] = LocalDateTimeField(
                tz=tz, label=f"Session {number}: date and time"
            )
            self.fields[f"s{i}_resource"] = forms.ChoiceField(
                label=f"Session {number}: {resource_label.lower()}",
                choices=resource_choices,
                required=False,
            )
            self.fields[f"s{i}_performer"] = forms.ChoiceField(
                label=f"Session {number}: performer", choices=performer_choices, required=False
            )

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (number, self[f"s{i}_start"], self[f"s{i}_resource"], self[f"s{i}_performer"])
            for i, number in enumerate(self.numbers)
        ]

    def booked_sessions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "start_at": data[f"s{i}_start"],
                "resource_id": int(data[f"s{i}_resource"]) if data[f"s{i}_resource"] else None,
                "performer_id": int(data[f"s{i}_performer"]) if data[f"s{i}_performer"] else None,
            }
            for i in range(self.count)
        ]

    def add_service_error(self, key: str, message: str) -> None:
        """A refusal of ``course_book`` beside the session it names (``sessions[2].start``,
        ``sessions[3].resource``); the date and time take what names no field of the form
        (the patient's or the prescriber's time); the rest is the form's own."""
        name = None
        if key.startswith("sessions[") and "]." in key:
            index, _, what = key[len("sessions[") :].partition("].")
            if index.isdigit() and int(index) < self.count:
                part = what if what in ("resource", "performer") else "start"
                name = f"s{index}_{part}"
        self.add_error(name, message)
