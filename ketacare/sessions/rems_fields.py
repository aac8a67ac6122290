"""The Spravato REMS Patient Monitoring Form, filled from a session's chart.

Pure: plain inputs in (``RemsInputs``, built from the rows by ``rems.rems_inputs``), the form's
sections and fields out, with the fields still empty listed in ``missing``. The REMS program has
no API; a person submits the form by its portal or by fax within 7 calendar days, so the form
here is what that person copies or prints (reference/clinical.md sections 1.2 and 8.1).

The fields are the form's own ("PMF section | Fields", reference/clinical.md 1.2: spravatorems.com,
the form text at manualspro.net/445029 and the J&J Medical Connect PMF overview), with the
current version's additions (section 8.1: concomitant drugs that can cause sedation,
dissociation, respiratory depression or blood-pressure changes, including opioids; pulse-oximetry
checks). Each field names its source in ``source``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketacare.clinical.codes import DRUG_CLASSES

Value = str | int | bool | list[str] | None

_SRC_PATIENT = "REMS PMF, Patient section (reference/clinical.md 1.2)"
_SRC_MEDS = "REMS PMF, Concomitant medications (reference/clinical.md 1.2, 8.1)"
_SRC_HCP = "REMS PMF, Monitoring healthcare provider (reference/clinical.md 1.2)"
_SRC_SETTING = "REMS PMF, Healthcare setting (reference/clinical.md 1.2)"
_SRC_SESSION = "REMS PMF, Treatment session (reference/clinical.md 1.2)"
_SRC_VITALS = "REMS PMF, Vital signs (reference/clinical.md 1.2; label: BP ~40 min, 8.1)"
_SRC_EVENTS = "REMS PMF, Adverse events (reference/clinical.md 1.2, 8.1)"

#: REMS: monitor for at least 2 hours after administration (reference/clinical.md 1.2, 8.1).
REMS_MIN_MONITORING_MIN = 120
#: Label: blood pressure about 40 min after dosing (reference/clinical.md 8.1; effects peak
#: ~40 min, 4.x BP row); the protocol accepts a reading within 10 min of that mark.
BP_POST_DOSE_MIN = 40
BP_POST_DOSE_TOLERANCE_MIN = 10
#: MOAA/S 5 = responds readily to name spoken in a normal tone (awake); below 5 is sedation.
MOAAS_AWAKE = 5
#: The side-effect codes the chart uses (``charting.SIDE_EFFECTS``) for what staff saw.
DISSOCIATION_EVENT_CODE = "dissociation"
SEDATION_EVENT_CODE = "sedation"
RESPIRATORY_DEPRESSION_EVENT_CODE = "respiratory_depression"

#: The form's concomitant-medication questions and the drug classes (``codes.DRUG_CLASSES``,
#: ``data/drug_classes.toml``, ``pmf_concomitant``) each one is answered from.
CONCOMITANT_CATEGORIES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("benzodiazepines", "Benzodiazepines", frozenset({"benzodiazepine"})),
    (
        "sedative_hypnotics",
        "Non-benzodiazepine sedative-hypnotics",
        frozenset({"sedative_hypnotic"}),
    ),
    ("psychostimulants", "Psychostimulants", frozenset({"psychostimulant"})),
    ("maois", "Monoamine oxidase inhibitors (MAOIs)", frozenset({"maoi"})),
    ("opioids", "Opioids", frozenset({"opioid"})),
    (
        "other_cns_depressants",
        "Other CNS depressants (sedation, dissociation, respiratory depression or BP changes)",
        frozenset({"cns_depressant"}),
    ),
)
for _key, _label, _ids in CONCOMITANT_CATEGORIES:
    if not _ids <= DRUG_CLASSES.keys():
        raise RuntimeError(f"{_key}: unknown drug classes {sorted(_ids - DRUG_CLASSES.keys())}")


@dataclass(frozen=True)
class DeviceGiven:
    """One Spravato device: when it was given, its mg, its lot."""

    at: datetime
    dose_mg: Decimal
    lot_number: str


@dataclass(frozen=True)
class VitalsPoint:
    at: datetime
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    spo2_percent: int | None = None
    respiratory_rate_per_min: int | None = None


@dataclass(frozen=True)
class Score:
    """A MOAA/S rating or a CADSS total at a moment."""

    at: datetime
    score: int


@dataclass(frozen=True)
class EventSeen:
    """A charted side effect or adverse event."""

    at: datetime
    code: str
    serious: bool = False
    description: str = ""
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class RemsInputs:
    """What the form is filled from. ``None`` means "not recorded" (the field stays missing);
    ``concomitant_drug_classes`` is None when no pre-dose check recorded them."""

    tz_name: str
    patient_first_name: str = ""
    patient_last_name: str = ""
    patient_birth_date: date | None = None
    patient_sex: str = ""
    first_treatment: bool | None = None
    patient_enrolled: bool | None = None
    concomitant_drug_classes: tuple[str, ...] | None = None
    hcp_name: str = ""
    hcp_phone: str = ""
    hcp_email: str = ""
    setting_name: str = ""
    setting_address: str = ""
    treatment_date: date | None = None
    devices: tuple[DeviceGiven, ...] = ()
    monitoring_end_at: datetime | None = None
    ready_without_rule_min: int | None = None
    vitals_acceptable_before_administration: bool | None = None
    vitals_acceptable_before_completion: bool | None = None
    vitals: tuple[VitalsPoint, ...] = ()
    moaas: tuple[Score, ...] = ()
    cadss: tuple[Score, ...] = ()
    events: tuple[EventSeen, ...] = ()
    #: Clinic settings (``ClinicSettings.alert_spo2_percent``, NEWS2: 91% or less scores 3):
    #: SpO2 below this is respiratory depression on the form.
    spo2_threshold_percent: int = 92
    #: ``ClinicSettings.alert_respiratory_rate_low_per_min`` (NEWS2: 9-11 scores 1): a rate at
    #: or below this is respiratory depression on the form.
    respiratory_rate_low_per_min: int = 11


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    value: Value
    text: str
    source: str
    #: False when the form does not ask it here (e.g. enrolment when not a first treatment).
    required: bool = True
    #: A problem the value shows (e.g. monitoring shorter than 2 hours).
    flag: str = ""

    @property
    def missing(self) -> bool:
        return self.required and self.value in (None, "", [])

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "text": self.text,
            "required": self.required,
            "missing": self.missing,
            "flag": self.flag,
            "source": self.source,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[FormField, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "fields": [f.as_dict() for f in self.fields],
        }


@dataclass(frozen=True)
class RemsFormContent:
    sections: tuple[Section, ...]
    missing: tuple[tuple[str, str], ...] = field(default=())

    @property
    def flags(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.key, f.flag) for s in self.sections for f in s.fields if f.flag)

    def field(self, key: str) -> FormField:
        for section in self.sections:
            for item in section.fields:
                if item.key == key:
                    return item
        raise KeyError(key)

    def as_dict(self) -> dict[str, object]:
        return {
            "sections": [s.as_dict() for s in self.sections],
            "missing": [{"key": k, "label": label} for k, label in self.missing],
            "flags": [{"key": k, "flag": flag} for k, flag in self.flags],
        }


# --- helpers -------------------------------------------------------------------------------


_NOT_RECORDED = "Not recorded"
_NOT_APPLICABLE = "Not applicable"


def _yn(value: bool | None) -> str:
    return _NOT_RECORDED if value is None else ("Yes" if value else "No")


def _text(value: str) -> str:
    return value if value else _NOT_RECORDED


def _us_date(day: date | None) -> str:
    """The form's date format (MM/DD/YYYY, a US form)."""
    return day.strftime("%m/%d/%Y") if day else _NOT_RECORDED


def _clock(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")


def _minutes(later: datetime, earlier: datetime) -> int:
    """Whole minutes from ``earlier`` to ``later`` (rounded down: the form counts minutes)."""
    return int((later - earlier).total_seconds() // 60)


def _bp(point: VitalsPoint | None, tz: ZoneInfo) -> tuple[str | None, str]:
    if point is None:
        return None, _NOT_RECORDED
    value = f"{point.systolic_mmhg}/{point.diastolic_mmhg}"
    return value, f"{value} mmHg at {_clock(point.at, tz)}"


def _mg(amount: Decimal) -> str:
    normal = amount.normalize()
    return f"{normal:f}" if normal == normal.to_integral() else str(normal)


# --- the picks the form needs --------------------------------------------------------------


def _has_bp(point: VitalsPoint) -> bool:
    return point.systolic_mmhg is not None and point.diastolic_mmhg is not None


def bp_before_administration(
    vitals: Sequence[VitalsPoint], first_device_at: datetime | None
) -> VitalsPoint | None:
    """The last BP at or before the first device."""
    if first_device_at is None:
        return None
    before = [v for v in vitals if _has_bp(v) and v.at <= first_device_at]
    return max(before, key=lambda v: v.at, default=None)


def bp_at_40_min(
    vitals: Sequence[VitalsPoint], first_device_at: datetime | None
) -> VitalsPoint | None:
    """The BP closest to 40 min after the first device, within 10 min of it (the earlier one
    on a tie)."""
    if first_device_at is None:
        return None
    mark = first_device_at + timedelta(minutes=BP_POST_DOSE_MIN)
    tolerance = timedelta(minutes=BP_POST_DOSE_TOLERANCE_MIN)
    near = [v for v in vitals if _has_bp(v) and abs(v.at - mark) <= tolerance]
    return min(near, key=lambda v: (abs(v.at - mark), v.at), default=None)


def bp_before_completion(
    vitals: Sequence[VitalsPoint],
    first_device_at: datetime | None,
    end_at: datetime | None,
) -> VitalsPoint | None:
    """The last BP after the first device and at or before the end of monitoring."""
    if first_device_at is None or end_at is None:
        return None
    during = [v for v in vitals if _has_bp(v) and first_device_at < v.at <= end_at]
    return max(during, key=lambda v: v.at, default=None)


def _events_resolved(events: Sequence[EventSeen], code: str, ends: list[datetime]) -> bool:
    """Add each ``code`` event's resolution to ``ends``; False if one has not resolved."""
    for event in events:
        if event.code == code:
            if event.resolved_at is None:
                return False
            ends.append(event.resolved_at)
    return True


def sedation_resolved_at(
    moaas: Sequence[Score], since: datetime, events: Sequence[EventSeen] = ()
) -> datetime | None:
    """When sedation resolved: the first MOAA/S 5 after the last rating below 5, and every
    sedation side effect's resolution; None while any has not resolved."""
    ends: list[datetime] = []
    ordered = sorted((m for m in moaas if m.at >= since), key=lambda m: m.at)
    low = [m for m in ordered if m.score < MOAAS_AWAKE]
    if low:
        last_low = low[-1].at
        end = next((m.at for m in ordered if m.at > last_low and m.score >= MOAAS_AWAKE), None)
        if end is None:
            return None
        ends.append(end)
    if not _events_resolved(events, SEDATION_EVENT_CODE, ends):
        return None
    return max(ends, default=None)


def dissociation_resolved_at(
    cadss: Sequence[Score], events: Sequence[EventSeen], since: datetime
) -> datetime | None:
    """When the last sign of dissociation resolved: the first CADSS 0 after the last CADSS above
    0, and every dissociation side effect's resolution; None while any has not resolved."""
    ends: list[datetime] = []
    ordered = sorted((c for c in cadss if c.at >= since), key=lambda c: c.at)
    positive = [c for c in ordered if c.score > 0]
    if positive:
        last = positive[-1].at
        end = next((c.at for c in ordered if c.at > last and c.score == 0), None)
        if end is None:
            return None
        ends.append(end)
    if not _events_resolved(events, DISSOCIATION_EVENT_CODE, ends):
        return None
    return max(ends, default=None)


def _dose_choice(total: Decimal) -> tuple[str, str]:
    """The form's dose box: 56 mg, 84 mg, or other (with the mg written in)."""
    if total == Decimal(56):
        return "56", "56 mg"
    if total == Decimal(84):
        return "84", "84 mg"
    return "other", f"Other: {_mg(total)} mg"


# --- the sections --------------------------------------------------------------------------


def _patient(i: RemsInputs) -> Section:
    enrolled_asked = i.first_treatment is True
    return Section(
        "patient",
        "Patient information",
        (
            FormField(
                "patient_first_name",
                "First name",
                i.patient_first_name or None,
                _text(i.patient_first_name),
                _SRC_PATIENT,
            ),
            FormField(
                "patient_last_name",
                "Last name",
                i.patient_last_name or None,
                _text(i.patient_last_name),
                _SRC_PATIENT,
            ),
            FormField(
                "patient_birth_date",
                "Date of birth",
                i.patient_birth_date.isoformat() if i.patient_birth_date else None,
                i.patient_birth_date.strftime("%m/%d/%Y")
                if i.patient_birth_date
                else _NOT_RECORDED,
                _SRC_PATIENT,
            ),
            FormField(
                "patient_sex",
                "Sex",
                i.patient_sex or None,
                _text(i.patient_sex),
                _SRC_PATIENT,
            ),
            FormField(
                "first_treatment",
                "Is this the patient's first treatment?",
                i.first_treatment,
                _yn(i.first_treatment),
                _SRC_PATIENT,
            ),
            FormField(
                "patient_enrolled",
                "If first treatment: is the patient enrolled in the SPRAVATO REMS?",
                i.patient_enrolled if enrolled_asked else None,
                _yn(i.patient_enrolled) if enrolled_asked else _NOT_APPLICABLE,
                _SRC_PATIENT,
                required=enrolled_asked,
            ),
        ),
    )


def _concomitant(i: RemsInputs) -> Section:
    given = i.concomitant_drug_classes
    if given is not None:
        unknown = sorted(set(given) - DRUG_CLASSES.keys())
        if unknown:
            raise ValueError(f"unknown drug class {unknown[0]!r}")
    fields = []
    for key, label, ids in CONCOMITANT_CATEGORIES:
        value = None if given is None else bool(ids & set(given))
        fields.append(FormField(f"concomitant_{key}", label, value, _yn(value), _SRC_MEDS))
    return Section(
        "concomitant",
        "Concomitant medications that can cause sedation, dissociation, respiratory depression "
        "or blood-pressure changes",
        tuple(fields),
    )


def _hcp(i: RemsInputs) -> Section:
    return Section(
        "monitoring_hcp",
        "Monitoring healthcare provider",
        (
            FormField("hcp_name", "Name", i.hcp_name or None, _text(i.hcp_name), _SRC_HCP),
            FormField("hcp_phone", "Phone", i.hcp_phone or None, _text(i.hcp_phone), _SRC_HCP),
            FormField("hcp_email", "Email", i.hcp_email or None, _text(i.hcp_email), _SRC_HCP),
        ),
    )


def _setting(i: RemsInputs) -> Section:
    return Section(
        "setting",
        "Healthcare setting",
        (
            FormField(
                "setting_name",
                "Setting name",
                i.setting_name or None,
                _text(i.setting_name),
                _SRC_SETTING,
            ),
            FormField(
                "setting_address",
                "Address",
                i.setting_address or None,
                _text(i.setting_address),
                _SRC_SETTING,
            ),
        ),
    )


def _session(i: RemsInputs, tz: ZoneInfo) -> Section:
    devices = sorted(i.devices, key=lambda d: d.at)
    first = devices[0].at if devices else None
    total = sum((d.dose_mg for d in devices), Decimal(0))
    dose_value, dose_text = _dose_choice(total) if devices else (None, _NOT_RECORDED)
    lots: list[str] = []
    for device in devices:
        if device.lot_number and device.lot_number not in lots:
            lots.append(device.lot_number)
    lots_complete = bool(devices) and all(d.lot_number for d in devices)
    end = i.monitoring_end_at
    total_min = _minutes(end, first) if first and end else None
    flag = ""
    if total_min is not None and total_min < REMS_MIN_MONITORING_MIN:
        flag = (
            f"Monitored {total_min} min: the REMS requires at least {REMS_MIN_MONITORING_MIN} "
            "min from the first device."
        )
    ready = i.ready_without_rule_min
    return Section(
        "session",
        "Treatment session",
        (
            FormField(
                "treatment_date",
                "Treatment date",
                i.treatment_date.isoformat() if i.treatment_date else None,
                _us_date(i.treatment_date),
                _SRC_SESSION,
            ),
            FormField("dose", "Dose", dose_value, dose_text, _SRC_SESSION),
            FormField(
                "device_count",
                "Number of devices",
                len(devices) or None,
                str(len(devices)) if devices else _NOT_RECORDED,
                _SRC_SESSION,
            ),
            FormField(
                "lot_numbers",
                "Lot number(s)",
                lots if lots_complete else None,
                ", ".join(lots) if lots_complete else _NOT_RECORDED,
                _SRC_SESSION,
            ),
            FormField(
                "first_device_time",
                "Time of first device",
                first.astimezone(tz).isoformat() if first else None,
                _clock(first, tz) if first else _NOT_RECORDED,
                _SRC_SESSION,
            ),
            FormField(
                "monitoring_end_time",
                "End of monitoring",
                end.astimezone(tz).isoformat() if end else None,
                _clock(end, tz) if end else _NOT_RECORDED,
                _SRC_SESSION,
            ),
            FormField(
                "total_monitoring_min",
                "Total minutes from first device to end of monitoring (at least 120)",
                total_min,
                f"{total_min} min" if total_min is not None else _NOT_RECORDED,
                _SRC_SESSION,
                flag=flag,
            ),
            FormField(
                "ready_without_rule_min",
                "REMS evaluation: minutes after the first device until the patient would have "
                "been ready to leave without the 2-hour requirement",
                ready,
                f"{ready} min" if ready is not None else _NOT_RECORDED,
                _SRC_SESSION,
            ),
        ),
    )


def _vitals(i: RemsInputs, tz: ZoneInfo) -> Section:
    first = min((d.at for d in i.devices), default=None)
    before = bp_before_administration(i.vitals, first)
    at_40 = bp_at_40_min(i.vitals, first)
    completion = bp_before_completion(i.vitals, first, i.monitoring_end_at)
    fields = [
        FormField(
            "vitals_acceptable_before_administration",
            "Vital signs acceptable before administration",
            i.vitals_acceptable_before_administration,
            _yn(i.vitals_acceptable_before_administration),
            _SRC_VITALS,
        ),
        FormField(
            "vitals_acceptable_before_completion",
            "Vital signs acceptable before session completion",
            i.vitals_acceptable_before_completion,
            _yn(i.vitals_acceptable_before_completion),
            _SRC_VITALS,
        ),
    ]
    for key, label, point in (
        ("bp_before_administration", "Blood pressure before administration", before),
        ("bp_40_min", "Blood pressure about 40 minutes after administration", at_40),
        ("bp_before_completion", "Blood pressure before session completion", completion),
    ):
        value, text = _bp(point, tz)
        fields.append(FormField(key, label, value, text, _SRC_VITALS))
    return Section("vitals", "Vital signs", tuple(fields))


def _after(first: datetime | None, at: datetime | None, tz: ZoneInfo) -> tuple[int | None, str]:
    if first is None or at is None:
        return None, _NOT_RECORDED
    minutes = _minutes(at, first)
    return minutes, f"{minutes} min after the first device ({_clock(at, tz)})"


def _events(i: RemsInputs, tz: ZoneInfo) -> Section:
    first = min((d.at for d in i.devices), default=None)
    since = first or datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    moaas = [m for m in i.moaas if m.at >= since]
    sedation_events = [e for e in i.events if e.code == SEDATION_EVENT_CODE]
    sedation = (
        None
        if not moaas and not sedation_events
        else any(m.score < MOAAS_AWAKE for m in moaas) or bool(sedation_events)
    )
    sed_value, sed_text = (
        _after(first, sedation_resolved_at(i.moaas, since, sedation_events), tz)
        if sedation
        else (None, "")
    )

    cadss = [c for c in i.cadss if c.at >= since]
    dissociation_events = [e for e in i.events if e.code == DISSOCIATION_EVENT_CODE]
    dissociation = (
        None
        if not cadss and not dissociation_events
        else any(c.score > 0 for c in cadss) or bool(dissociation_events)
    )
    dis_value, dis_text = (
        _after(first, dissociation_resolved_at(i.cadss, dissociation_events, since), tz)
        if dissociation
        else (None, "")
    )

    oximetry = sorted((v for v in i.vitals if v.spo2_percent is not None), key=lambda v: v.at)
    after_dose = [v for v in i.vitals if v.at >= since]
    with_spo2 = [v for v in after_dose if v.spo2_percent is not None]
    low = [
        v
        for v in after_dose
        if (v.spo2_percent is not None and v.spo2_percent < i.spo2_threshold_percent)
        or (
            v.respiratory_rate_per_min is not None
            and v.respiratory_rate_per_min <= i.respiratory_rate_low_per_min
        )
    ]
    resp_events = [e for e in i.events if e.code == RESPIRATORY_DEPRESSION_EVENT_CODE]
    respiratory = None if not with_spo2 and not resp_events else bool(low or resp_events)
    resp_text = _yn(respiratory)
    if respiratory:
        seen = [_vitals_text(v, tz) for v in low]
        seen += [f"{_clock(e.at, tz)} charted as respiratory depression" for e in resp_events]
        resp_text = "Yes: " + "; ".join(seen)

    serious = [e for e in i.events if e.serious]
    described = bool(serious) and all(e.description.strip() for e in serious)
    sae_text = "; ".join(
        f"{_clock(e.at, tz)} {e.description.strip()}" for e in serious if e.description.strip()
    )
    times = [_clock(v.at, tz) for v in oximetry]
    return Section(
        "events",
        "Adverse events and monitoring",
        (
            FormField("sedation", "Sedation", sedation, _yn(sedation), _SRC_EVENTS),
            FormField(
                "sedation_resolved_min",
                "If sedation: minutes after the first device until it resolved",
                sed_value,
                sed_text if sedation else _NOT_APPLICABLE,
                _SRC_EVENTS,
                required=bool(sedation),
            ),
            FormField("dissociation", "Dissociation", dissociation, _yn(dissociation), _SRC_EVENTS),
            FormField(
                "dissociation_resolved_min",
                "If dissociation: minutes after the first device until it resolved",
                dis_value,
                dis_text if dissociation else _NOT_APPLICABLE,
                _SRC_EVENTS,
                required=bool(dissociation),
            ),
            FormField(
                "respiratory_depression",
                "Respiratory depression",
                respiratory,
                resp_text,
                _SRC_EVENTS,
            ),
            FormField(
                "pulse_oximetry_checks",
                "Pulse-oximetry checks recorded",
                len(oximetry) or None,
                f"{len(oximetry)} checks" if oximetry else _NOT_RECORDED,
                _SRC_EVENTS,
            ),
            FormField(
                "pulse_oximetry_times",
                "Times of pulse-oximetry checks",
                times or None,
                ", ".join(times) if times else _NOT_RECORDED,
                _SRC_EVENTS,
            ),
            FormField(
                "serious_adverse_event",
                "Serious adverse event",
                bool(serious),
                _yn(bool(serious)),
                _SRC_EVENTS,
            ),
            FormField(
                "serious_adverse_event_description",
                "If a serious adverse event: describe it",
                sae_text if described else None,
                (sae_text if described else _NOT_RECORDED) if serious else _NOT_APPLICABLE,
                _SRC_EVENTS,
                required=bool(serious),
            ),
        ),
    )


def _vitals_text(v: VitalsPoint, tz: ZoneInfo) -> str:
    parts = []
    if v.spo2_percent is not None:
        parts.append(f"SpO2 {v.spo2_percent}%")
    if v.respiratory_rate_per_min is not None:
        parts.append(f"RR {v.respiratory_rate_per_min}/min")
    return f"{_clock(v.at, tz)} " + ", ".join(parts)


def build_rems_form(inputs: RemsInputs) -> RemsFormContent:
    """The form's sections in the form's order, and the fields it still needs."""
    tz = ZoneInfo(inputs.tz_name)
    sections = (
        _patient(inputs),
        _concomitant(inputs),
        _hcp(inputs),
        _setting(inputs),
        _session(inputs, tz),
        _vitals(inputs, tz),
        _events(inputs, tz),
    )
    missing = tuple((f.key, f.label) for s in sections for f in s.fields if f.missing)
    return RemsFormContent(sections=sections, missing=missing)
