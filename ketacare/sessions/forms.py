"""The chair page's forms: one per service call, each field named as the service names it, so
a refusal lands beside the field it is about (``show_refusal``).

``measured_at`` on every charting form takes a time today at the site ("09:40") or an ISO 8601
time with its offset (what the page's script stamps when the nurse presses Save); left empty,
the entry is measured now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.lib.errors import Conflict, Conflicts, FieldErrors
from ketacare.lib.forms import Form

from .charting import SIDE_EFFECTS
from .models import Decision, Event, PredoseCheck

Choices = Sequence[tuple[Any, str]]
YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]

#: How the services' names for things that are not a field of the form read at the top.
FIELD_LABELS = {
    "session": "Session",
    "appointment": "Appointment",
    "dose": "Dose",
    "kind": "Kind",
    "note": "Note",
    "version": "Version",
    "vitals": "Vital signs",
    "detail": "Dose ordered",
    "same_day_screen": "Same-day screen",
    "answers": "Answers",
}


def _numeric(attrs: Mapping[str, Any] | None = None, *, decimal: bool = False) -> forms.TextInput:
    """A big number box that opens the numeric keypad on a tablet."""
    return forms.TextInput(
        attrs={
            "inputmode": "decimal" if decimal else "numeric",
            "autocomplete": "off",
            "class": "big-number",
            **(attrs or {}),
        }
    )


def parse_measured_at(value: str, tz: ZoneInfo) -> datetime | None:
    """``"09:40"`` (today at the site) or an ISO 8601 time with its offset; None if empty."""
    value = value.strip()
    if not value:
        return None
    try:
        clock = time.fromisoformat(value) if len(value) <= 8 else None
    except ValueError:
        clock = None
    if clock is not None:
        today = timezone.now().astimezone(tz).date()
        return datetime.combine(today, clock.replace(second=0, microsecond=0), tzinfo=tz)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise forms.ValidationError(
            "Give the time as HH:MM (today) or an ISO 8601 time with its offset."
        ) from exc
    if when.tzinfo is None:
        raise forms.ValidationError("Give the time with its UTC offset (ISO 8601).")
    return when


class _Form(Form):
    def _choices(self, name: str, choices: Choices) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(choices)


class _Measured(_Form):
    measured_at = forms.CharField(
        label="Measured at",
        required=False,
        max_length=40,
        help_text="Leave empty for now, or the time it was measured (HH:MM).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "measured-at"}),
    )

    def __init__(self, *args: Any, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    def clean_measured_at(self) -> datetime | None:
        return parse_measured_at(self.cleaned_data.get("measured_at") or "", self.tz)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class StartForm(_Form):
    """A session of a checked-in appointment; the plan only when the appointment has none."""

    plan = forms.TypedChoiceField(label="Plan", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, plans: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("plan", [("", "Choose the signed plan"), *plans])


class PredoseForm(_Measured):
    identity_confirmed = forms.BooleanField(label="Identity confirmed", required=False)
    consent_confirmed = forms.BooleanField(label="Consent confirmed for today", required=False)
    hours_since_solids = forms.DecimalField(
        label="Hours since solid food",
        required=False,
        min_value=0,
        max_value=168,
        decimal_places=1,
        widget=_numeric(decimal=True),
    )
    hours_since_clear_fluids = forms.DecimalField(
        label="Hours since clear fluids",
        required=False,
        min_value=0,
        max_value=168,
        decimal_places=1,
        widget=_numeric(decimal=True),
    )
    escort_present = forms.BooleanField(
        label="Escort present to take the patient home", required=False
    )
    escort_name = forms.CharField(label="Escort's name", required=False, max_length=200)
    escort_phone = forms.CharField(label="Escort's phone", required=False, max_length=40)
    pregnancy = forms.ChoiceField(label="Pregnancy", choices=PredoseCheck.Pregnancy.choices)
    weight_kg = forms.DecimalField(
        label="Today's weight (kg)",
        required=False,
        decimal_places=1,
        help_text="Only if weighed today: a weight-based dose is recalculated.",
        widget=_numeric(decimal=True),
    )
    screen_source = forms.ChoiceField(
        label="Same-day suicidality screen",
        choices=[("now", "Asked at the chair now"), ("portal", "Answered in the portal today")],
        initial="now",
    )
    phq9_item9 = forms.TypedChoiceField(
        label="PHQ-9 item 9 (thoughts of self-harm)",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[
            ("", "Not asked"),
            (0, "0: Not at all"),
            (1, "1: Several days"),
            (2, "2: More than half the days"),
            (3, "3: Nearly every day"),
        ],
    )
    concomitant_drug_classes = forms.MultipleChoiceField(
        label="Medicines taken today",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rems_patient_enrolled = forms.ChoiceField(
        label="REMS: patient enrolled", choices=YES_NO, required=False
    )
    rems_prescriber_on_site = forms.ChoiceField(
        label="REMS: prescriber on site", choices=YES_NO, required=False
    )
    rems_pulse_oximeter = forms.ChoiceField(
        label="REMS: pulse oximeter on", choices=YES_NO, required=False
    )

    def __init__(self, *args: Any, rems: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices(
            "concomitant_drug_classes",
            [(cid, c.label) for cid, c in sorted(DRUG_CLASSES.items(), key=lambda i: i[1].label)],
        )
        if not rems:
            for name in ("rems_patient_enrolled", "rems_prescriber_on_site", "rems_pulse_oximeter"):
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        source = data.pop("screen_source") or "now"
        item9 = data.pop("phq9_item9")
        data["same_day_screen"] = (
            {"source": source, "phq9_item9": item9} if item9 is not None else None
        )
        for name in ("hours_since_solids", "hours_since_clear_fluids", "weight_kg"):
            if data.get(name) is not None:
                data[name] = float(data[name])
        for name in ("rems_patient_enrolled", "rems_prescriber_on_site", "rems_pulse_oximeter"):
            if name in data:
                data[name] = _yes_no(data[name])
        return data


class DecisionForm(_Form):
    kind = forms.ChoiceField(label="Decision", choices=Decision.Kind.choices)
    subject = forms.ChoiceField(label="Discharge criterion overridden", required=False)
    dose_mg = forms.DecimalField(
        label="Dose ordered (mg, the session's total)",
        required=False,
        widget=_numeric(decimal=True),
    )
    rate_mg_per_h = forms.DecimalField(
        label="Highest rate ordered (mg/h)", required=False, widget=_numeric(decimal=True)
    )
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, criteria: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("subject", [("", "Only for an override"), *criteria])

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        detail = {k: float(d[k]) for k in ("dose_mg", "rate_mg_per_h") if d.get(k) is not None}
        return {
            "kind": d["kind"],
            "reason": d["reason"],
            "subject": d.get("subject") or "",
            "detail": detail or None,
        }


class DoseForm(_Measured):
    kind = forms.ChoiceField(label="Kind", choices=[])
    lot_id = forms.TypedChoiceField(label="Lot", coerce=int, required=False, empty_value=None)
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        required=False,
        help_text="Not for a Spravato device (28 mg each).",
        widget=_numeric(decimal=True),
    )
    rate_mg_per_h = forms.DecimalField(
        label="Rate (mg/h)",
        required=False,
        help_text="An infusion's starting rate.",
        widget=_numeric(decimal=True),
    )
    witness_id = forms.TypedChoiceField(
        label="Witness", coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        kinds: Choices,
        lots: Choices,
        witnesses: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("kind", list(kinds))
        self._choices("lot_id", [("", "Choose the lot"), *lots])
        self._choices("witness_id", [("", "No witness"), *witnesses])


class RateForm(_Measured):
    rate_mg_per_h = forms.DecimalField(
        label="New rate (mg/h)", help_text="0 pauses the infusion.", widget=_numeric(decimal=True)
    )
    reason = forms.CharField(label="Reason", max_length=300)


class EndForm(_Measured):
    """The end of an infusion: ``measured_at`` is when it ended."""


class VitalsForm(_Measured):
    systolic_mmhg = forms.IntegerField(label="Systolic (mmHg)", required=False, widget=_numeric())
    diastolic_mmhg = forms.IntegerField(label="Diastolic (mmHg)", required=False, widget=_numeric())
    heart_rate_bpm = forms.IntegerField(
        label="Heart rate (/min)", required=False, widget=_numeric()
    )
    spo2_percent = forms.IntegerField(label="SpO₂ (%)", required=False, widget=_numeric())
    respiratory_rate_per_min = forms.IntegerField(
        label="Respiratory rate (/min)", required=False, widget=_numeric()
    )
    temperature_c = forms.DecimalField(
        label="Temperature (°C)", required=False, decimal_places=1, widget=_numeric(decimal=True)
    )
    pain_nrs = forms.IntegerField(label="Pain (0-10)", required=False, widget=_numeric())

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v is not None}
        if "temperature_c" in data:
            data["temperature_c"] = float(data["temperature_c"])
        return data


class MoaasForm(_Measured):
    score = forms.TypedChoiceField(label="MOAA/S", coerce=int, widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, options: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("score", list(options))


class CadssForm(_Measured):
    score = forms.IntegerField(label="CADSS total", widget=_numeric())

    def __init__(self, *args: Any, max_total: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["score"].help_text = f"The total of the 23 items, 0-{max_total}."


class EventForm(_Measured):
    kind = forms.ChoiceField(label="Kind", choices=Event.Kind.choices)
    code = forms.ChoiceField(label="What", choices=list(SIDE_EFFECTS.items()))
    severity = forms.ChoiceField(label="Severity", choices=Event.Severity.choices)
    serious = forms.BooleanField(label="Serious adverse event", required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=Event.Outcome.choices)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AckForm(Form):
    code = forms.CharField(max_length=60, widget=forms.HiddenInput)
    t_min = forms.FloatField(widget=forms.HiddenInput)
    note = forms.CharField(label="Note", required=False, max_length=500)


class DischargeForm(Form):
    left_with_name = forms.CharField(label="Leaves with (name)", max_length=200)
    left_with_relation = forms.CharField(
        label="Relation to the patient", required=False, max_length=80
    )
    dissociation_resolved = forms.BooleanField(label="Dissociation resolved", required=False)
    ambulating = forms.BooleanField(label="Walks safely", required=False)
    clinician_assessed_ready = forms.BooleanField(
        label="Clinician assessed ready to leave", required=False
    )
    ready_without_rule_min = forms.IntegerField(
        label="Would have been ready without the 2-hour rule at (minutes after the first dose)",
        required=False,
        min_value=0,
        max_value=1440,
        help_text="The REMS form's evaluation question.",
        widget=_numeric(),
    )

    def __init__(self, *args: Any, rems: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not rems:
            del self.fields["ready_without_rule_min"]


class NoteForm(Form):
    body = forms.CharField(
        label="Note", max_length=20000, widget=forms.Textarea(attrs={"rows": 14})
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SignForm(Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AddendumForm(Form):
    body = forms.CharField(
        label="Addendum", max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )


def show_refusal(form: forms.Form, exc: Exception) -> tuple[int, list[str]]:
    """A service's refusal: bad input (400) on ``form``, every error at once, each beside
    the field it names (``detail.dose_mg`` beside ``dose_mg``), the rest in the form's summary;
    a clash with the chart's state (409) as messages for the top of the page."""
    if isinstance(exc, Conflicts):
        return 409, [m[:1].upper() + m[1:] for m in exc.conflicts.values()]
    if isinstance(exc, Conflict):
        return 409, [exc.message[:1].upper() + exc.message[1:]]
    assert isinstance(exc, FieldErrors)
    for name, message in exc.errors.items():
        target = name.split(".")[-1] if name.startswith(("detail.", "same_day_screen.")) else name
        text = message[:1].upper() + message[1:]
        if target in form.fields and not form.fields[target].widget.is_hidden:
            form.add_error(target, text)
        elif name in FIELD_LABELS:
            form.add_error(None, f"{FIELD_LABELS[name]}: {message}")
        else:
            form.add_error(None, text)
    return 400, []
