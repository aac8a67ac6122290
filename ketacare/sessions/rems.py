"""The Spravato REMS Patient Monitoring Form of a session: filled from the chart, queued by its
7-day deadline, its submission recorded, and an alert when it is two days from due.

The REMS program offers no API (reference/clinical.md 8.1): a person submits the form by the
REMS portal or by fax, then records here how, when and the confirmation they got. The form's
fields are ``rems_fields``; this module reads the rows they come from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import version_settings
from ketacare.accounts.models import Membership
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.alerts.models import Alert
from ketacare.alerts.services import alert_raise
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible
from ketacare.lib.text import text_problem
from ketacare.patients.access import visible_patients

from .chart import Chart, load_chart
from .models import Decision, Dose, Observation, RemsForm, TreatmentSession
from .rems_due import days_left, local_today
from .rems_fields import (
    DeviceGiven,
    EventSeen,
    RemsFormContent,
    RemsInputs,
    Score,
    VitalsPoint,
    build_rems_form,
)

#: The owner is alerted when a form is this many days from due and not submitted.
ALERT_DAYS_BEFORE_DUE = 2
#: The confirmation file a submitter may attach (a portal receipt, a fax transmission report).
CONFIRMATION_FILE_MAX_BYTES = 5 * 1024 * 1024
CONFIRMATION_FILE_TYPES = ("application/pdf", "image/png", "image/jpeg")
CONFIRMATION_MAX_LENGTH = 200
#: A submission time may run this far ahead of the server's clock (a tablet's clock).
CLOCK_SKEW = timedelta(minutes=5)
QUEUE_STATUSES = ("due", "overdue", "submitted")
#: The submitted tab shows the most recent ones.
SUBMITTED_SHOWN = 200

#: Pre-dose findings about vital signs (``clinical.safety.predose``).
_PREDOSE_VITALS_PREFIXES = ("predose_bp_", "predose_heart_rate_", "predose_spo2_")
#: Discharge checks about vital signs (``clinical.safety.discharge``).
_DISCHARGE_VITALS_CHECKS = ("bp_near_baseline", "heart_rate_acceptable", "spo2_acceptable")


# --- the inputs from the rows --------------------------------------------------------------


def _person(membership: Membership | None) -> tuple[str, str]:
    if membership is None:
        return "", ""
    return membership.user.full_name, membership.user.email


def _monitoring_hcp(session: TreatmentSession, chart: Chart) -> tuple[str, str]:
    """The appointment's performer; when there is none, who discharged the patient."""
    performer = getattr(session.appointment, "performer", None)
    if performer is not None:
        return _person(performer)
    discharge = chart.discharge
    if discharge is not None and discharge.discharged_by is not None:
        return discharge.discharged_by.full_name, discharge.discharged_by.email
    return "", ""


def _first_treatment(session: TreatmentSession) -> bool:
    """No earlier esketamine session of this patient had a dose."""
    return not (
        TreatmentSession.objects.filter(
            patient_id=session.patient_id,
            drug=session.drug,
            first_dose_at__isnull=False,
            started_at__lt=session.started_at,
        )
        .exclude(pk=session.pk)
        .exists()
    )


def vitals_acceptable_before_administration(chart: Chart) -> bool | None:
    """Yes when the last pre-dose check before the first device had no vital-sign finding, or
    a prescriber released the hold or review before it (their judgement that the vitals were
    acceptable to dose); None when no dose or no pre-dose check is charted."""
    first = chart.session.first_dose_at
    checks = [c for c in chart.predose if first is None or c.measured_at <= first]
    if first is None or not checks:
        return None
    findings = [
        f
        for f in checks[-1].findings
        if str(f.get("code", "")).startswith(_PREDOSE_VITALS_PREFIXES)
    ]
    if not findings:
        return True
    released = [
        d for d in chart.decisions_of(Decision.Kind.PREDOSE_RELEASE) if d.decided_at <= first
    ]
    return bool(released)


def vitals_acceptable_before_completion(chart: Chart) -> bool | None:
    """Yes when the discharge's vital-sign checks were met (or a prescriber overrode the one
    not met); None before discharge."""
    discharge = chart.discharge
    if discharge is None:
        return None
    checks = discharge.checks if isinstance(discharge.checks, list) else []
    overridden = {d.subject for d in chart.decisions_of(Decision.Kind.CRITERION_OVERRIDE)}
    for check in checks:
        code = check.get("code")
        waived = check.get("overridden") or code in overridden
        if code in _DISCHARGE_VITALS_CHECKS and not check.get("met") and not waived:
            return False
    return True


def _address(session: TreatmentSession) -> str:
    site = session.site
    return ", ".join(p for p in (site.address, site.country) if p) if site.address else ""


def rems_inputs(session: TreatmentSession, chart: Chart | None = None) -> RemsInputs:
    """What the form is filled from, read from the session's rows."""
    chart = chart or load_chart(session)
    patient = session.patient
    site = session.site
    tz = ZoneInfo(site.time_zone)
    settings = version_settings(session.settings_version)
    latest = chart.latest_predose
    hcp_name, hcp_email = _monitoring_hcp(session, chart)
    discharge = chart.discharge
    treated_at = session.first_dose_at or session.started_at
    return RemsInputs(
        tz_name=site.time_zone,
        patient_first_name=patient.given_name,
        patient_last_name=patient.family_name,
        patient_birth_date=patient.date_of_birth,
        patient_sex=patient.get_sex_at_birth_display() if patient.sex_at_birth else "",
        first_treatment=_first_treatment(session),
        patient_enrolled=latest.rems_patient_enrolled if latest else None,
        concomitant_drug_classes=(
            tuple(latest.concomitant_drug_classes) if latest is not None else None
        ),
        hcp_name=hcp_name,
        hcp_phone=getattr(site, "phone", ""),
        hcp_email=hcp_email,
        setting_name=site.name,
        setting_address=_address(session),
        treatment_date=treated_at.astimezone(tz).date(),
        devices=tuple(
            DeviceGiven(d.measured_at, d.dose_mg, d.lot_number)
            for d in chart.doses
            if d.kind == Dose.Kind.DEVICE
        ),
        monitoring_end_at=discharge.discharged_at if discharge else None,
        ready_without_rule_min=discharge.ready_without_rule_min if discharge else None,
        vitals_acceptable_before_administration=vitals_acceptable_before_administration(chart),
        vitals_acceptable_before_completion=vitals_acceptable_before_completion(chart),
        vitals=tuple(
            VitalsPoint(
                v.measured_at,
                v.systolic_mmhg,
                v.diastolic_mmhg,
                v.spo2_percent,
                v.respiratory_rate_per_min,
            )
            for v in chart.vitals
        ),
        moaas=tuple(
            Score(o.measured_at, o.score)
            for o in chart.observations
            if o.instrument == Observation.Instrument.MOAAS
        ),
        cadss=tuple(
            Score(o.measured_at, o.score)
            for o in chart.observations
            if o.instrument == Observation.Instrument.CADSS
        ),
        events=tuple(
            EventSeen(e.measured_at, e.code, e.serious, e.description, e.resolved_at)
            for e in chart.events
        ),
        spo2_threshold_percent=settings.alert_spo2_percent,
        respiratory_rate_low_per_min=settings.alert_respiratory_rate_low_per_min,
    )


def rems_content(session: TreatmentSession) -> RemsFormContent:
    return build_rems_form(rems_inputs(session))


# --- reads ---------------------------------------------------------------------------------


def _forms(membership: Membership | None) -> QuerySet[RemsForm]:
    """The forms of the patients this membership sees."""
    return RemsForm.objects.filter(
        session__patient__in=visible_patients(membership)
    ).select_related(
        "session__patient",
        "session__site",
        "session__settings_version",
        "session__appointment__performer__user",
    )


@dataclass(frozen=True)
class RemsFormView:
    form: RemsForm
    session: TreatmentSession
    content: RemsFormContent
    days_left: int

    @property
    def submitted(self) -> bool:
        return self.form.submitted_at is not None

    @property
    def status(self) -> str:
        """Where the form sits in the queue: submitted, overdue or due."""
        if self.submitted:
            return "submitted"
        return "overdue" if self.days_left < 0 else "due"


def _view(form: RemsForm, now: datetime) -> RemsFormView:
    session = form.session
    if form.submitted_at is not None and form.fields:
        content = content_from_snapshot(form.fields)
    else:
        content = rems_content(session)
    return RemsFormView(form, session, content, days_left(form.due_on, now, session.site.time_zone))


def rems_form_view(
    actor: Actor, session_id: int, *, action: str = "rems_form.read"
) -> RemsFormView:
    """The session's form (as submitted, once it was), for staff who read sessions; audited
    (``rems_form.pdf`` when it is printed)."""
    try:
        form = _forms(actor.membership).get(session_id=session_id)
    except (RemsForm.DoesNotExist, ValueError, TypeError):
        raise NotVisible("No REMS form for this session") from None
    # Staff who read sessions; a patient reads a session's summary, not this paperwork.
    require_perm(actor.membership, Perm.SESSION_READ)
    view = _view(form, timezone.now())
    with transaction.atomic():
        audit.record(
            actor,
            action,
            patient_id=form.session.patient_id,
            target=form,
            data={"session": form.session_id, "missing": len(view.content.missing)},
        )
    return view


def submitted_view(form: RemsForm) -> RemsFormView:
    """The form just recorded as submitted, as its submitter sees it (no second read)."""
    return _view(form, timezone.now())


def rems_form_by_id(actor: Actor, form_id: int) -> RemsFormView:
    """The same read by the form's own id (the queue links to it)."""
    try:
        form = _forms(actor.membership).get(pk=form_id)
    except (RemsForm.DoesNotExist, ValueError, TypeError):
        raise NotVisible("No such REMS form") from None
    return rems_form_view(actor, form.session_id)


def content_from_snapshot(snapshot: dict[str, Any]) -> RemsFormContent:
    """The form as it was submitted (``RemsForm.fields``), for showing and printing."""
    from .rems_fields import FormField, Section

    sections = tuple(
        Section(
            s["key"],
            s["title"],
            tuple(
                FormField(
                    f["key"],
                    f["label"],
                    f["value"],
                    f["text"],
                    f["source"],
                    required=f["required"],
                    flag=f["flag"],
                )
                for f in s["fields"]
            ),
        )
        for s in snapshot.get("sections", [])
    )
    missing = tuple((m["key"], m["label"]) for m in snapshot.get("missing", []))
    return RemsFormContent(sections, missing)


@dataclass(frozen=True)
class QueueRow:
    form: RemsForm
    session: TreatmentSession
    patient_label: str
    session_date: date
    due_on: date
    days_left: int
    missing_count: int


def _patient_label(session: TreatmentSession) -> str:
    p = session.patient
    return f"{p.family_name}, {p.given_name} ({p.mrn})"


def rems_queue(actor: Actor, status: str) -> list[QueueRow]:
    """The clinic's forms: ``due`` (not submitted, due today or later, soonest first),
    ``overdue`` (not submitted, past due, oldest first) or ``submitted`` (newest first);
    audited as one read naming the patients shown."""
    if status not in QUEUE_STATUSES:
        raise FieldErrors({"status": f"must be one of {', '.join(QUEUE_STATUSES)}"})
    require_perm(actor.membership, Perm.REMS_MANAGE)
    assert actor.membership is not None
    now = timezone.now()
    today = local_today(now, actor.membership.clinic.time_zone)
    forms = _forms(actor.membership)
    if status == "submitted":
        forms = forms.filter(submitted_at__isnull=False).order_by("-submitted_at", "-pk")
        forms = forms[:SUBMITTED_SHOWN]
    elif status == "due":
        forms = forms.filter(submitted_at__isnull=True, due_on__gte=today).order_by("due_on", "pk")
    else:
        forms = forms.filter(submitted_at__isnull=True, due_on__lt=today).order_by("due_on", "pk")
    rows = []
    for form in forms:
        view = _view(form, now)
        session = form.session
        rows.append(
            QueueRow(
                form=form,
                session=session,
                patient_label=_patient_label(session),
                session_date=(session.first_dose_at or session.started_at)
                .astimezone(ZoneInfo(session.site.time_zone))
                .date(),
                due_on=form.due_on,
                days_left=view.days_left,
                missing_count=len(view.content.missing),
            )
        )
    with transaction.atomic():
        audit.record(
            actor,
            "rems_form.list",
            data={
                "status": status,
                "count": len(rows),
                "patients": sorted({str(r.session.patient_id) for r in rows}),
            },
        )
    return rows


def rems_counts(membership: Membership | None) -> tuple[int, int]:
    """Forms not yet submitted, (due, overdue), for the header's counters."""
    if membership is None:
        return 0, 0
    today = local_today(timezone.now(), membership.clinic.time_zone)
    open_forms = _forms(membership).filter(submitted_at__isnull=True)
    return (
        open_forms.filter(due_on__gte=today).count(),
        open_forms.filter(due_on__lt=today).count(),
    )


# --- the submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationFile:
    name: str
    content_type: str
    data: bytes


def _submission_errors(
    *,
    method: str,
    submitted_at: datetime | None,
    confirmation: str,
    file: ConfirmationFile | None,
    session: TreatmentSession,
    now: datetime,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if method not in RemsForm.Method.values:
        errors["method"] = f"must be one of {', '.join(RemsForm.Method.values)}"
    if submitted_at is None or submitted_at.tzinfo is None:
        errors["submitted_at"] = "give the date and time it was submitted, with its time zone"
    elif submitted_at > now + CLOCK_SKEW:
        errors["submitted_at"] = "must not be in the future"
    elif submitted_at < session.started_at:
        errors["submitted_at"] = "must be after the session started"
    text = confirmation.strip()
    if not text:
        errors["confirmation"] = "give the confirmation number the REMS portal or fax gave"
    elif len(text) > CONFIRMATION_MAX_LENGTH:
        errors["confirmation"] = f"must be at most {CONFIRMATION_MAX_LENGTH} characters"
    elif problem := text_problem(text, multiline=False):
        errors["confirmation"] = problem
    if file is not None:
        if file.content_type not in CONFIRMATION_FILE_TYPES:
            errors["file"] = "must be a PDF, PNG or JPEG file"
        elif not file.data:
            errors["file"] = "the file is empty"
        elif len(file.data) > CONFIRMATION_FILE_MAX_BYTES:
            errors["file"] = (
                f"must be at most {CONFIRMATION_FILE_MAX_BYTES // (1024 * 1024)} MB; "
                f"got {len(file.data)} bytes"
            )
        elif len(file.name) > 200 or not file.name.strip():
            errors["file"] = "needs a file name of at most 200 characters"
    return errors


@audit.records_refusals("rems_form.submit")
def rems_mark_submitted(
    actor: Actor,
    form_id: int,
    *,
    method: str,
    submitted_at: datetime | None,
    confirmation: str,
    file: ConfirmationFile | None = None,
) -> RemsForm:
    """Record that a person submitted the form (how, when, the confirmation), keeping the
    fields as they were submitted. Refused, with nothing written, when a field is still empty
    (each one named), when it was submitted already (409), or for bad input."""
    with transaction.atomic():
        try:
            form = _forms(actor.membership).select_for_update(of=("self",)).get(pk=form_id)
        except (RemsForm.DoesNotExist, ValueError, TypeError):
            raise NotVisible("No such REMS form") from None
        require_perm(actor.membership, Perm.REMS_MANAGE)
        if form.submitted_at is not None:
            raise Conflict(
                "form",
                f"this form was submitted already ({form.get_method_display()}, "
                f"confirmation {form.confirmation}, by {form.submitted_by_label})",
            )
        now = timezone.now()
        errors = _submission_errors(
            method=method,
            submitted_at=submitted_at,
            confirmation=confirmation,
            file=file,
            session=form.session,
            now=now,
        )
        content = rems_content(form.session)
        for key, label in content.missing:
            errors[f"fields.{key}"] = f"{label}: still empty on the form"
        if errors:
            raise FieldErrors(errors)
        assert submitted_at is not None
        form.fields = content.as_dict()
        form.method = method
        form.submitted_at = submitted_at
        form.submitted_by = actor.user
        form.submitted_by_label = actor.label[:300]
        form.confirmation = confirmation.strip()
        if file is not None:
            form.confirmation_file = file.data
            form.confirmation_file_name = file.name.strip()
            form.confirmation_file_type = file.content_type
        form.version += 1
        form.save()
        audit.record(
            actor,
            "rems_form.submit",
            patient_id=form.session.patient_id,
            target=form,
            changes={
                "submitted_at": [None, submitted_at],
                "method": ["", method],
                "confirmation": ["", form.confirmation],
            },
            data={
                "session": form.session_id,
                "file": form.confirmation_file_name,
                "file_bytes": len(file.data) if file is not None else 0,
            },
        )
    return form


# --- the due alert -------------------------------------------------------------------------


def forms_to_alert(now: datetime) -> Iterable[RemsForm]:
    """Forms not submitted, not yet alerted, due within ``ALERT_DAYS_BEFORE_DUE`` days of
    their site's today (overdue ones too: they were due the alert as well)."""
    latest_due = (now + timedelta(days=ALERT_DAYS_BEFORE_DUE + 1)).date()
    candidates = RemsForm.objects.filter(
        submitted_at__isnull=True, due_alert_sent_at__isnull=True, due_on__lte=latest_due
    ).select_related("session__site", "session__patient")
    for form in candidates.order_by("pk"):
        if days_left(form.due_on, now, form.session.site.time_zone) <= ALERT_DAYS_BEFORE_DUE:
            yield form


def raise_due_alert(actor: Actor, form: RemsForm, now: datetime) -> Alert | None:
    """The alert for one form, once: the form is locked and its ``due_alert_sent_at`` set in
    the same transaction as the alert."""
    with transaction.atomic():
        locked = (
            RemsForm.objects.select_for_update()
            .select_related("session__site", "session__patient")
            .get(pk=form.pk)
        )
        if locked.submitted_at is not None or locked.due_alert_sent_at is not None:
            return None
        left = days_left(locked.due_on, now, locked.session.site.time_zone)
        when = f"due in {left} days" if left > 1 else "due tomorrow" if left == 1 else "due today"
        if left < 0:
            when = f"overdue by {-left} day{'s' if left < -1 else ''}"
        alert = alert_raise(
            actor,
            locked.session.patient,
            kind=Alert.Kind.REMS_DUE,
            severity=Alert.Severity.HIGH,
            message=(
                f"Spravato REMS Patient Monitoring Form {when} "
                f"(due {locked.due_on:%m/%d/%Y}): submit it by the REMS portal or fax and "
                "record the submission."
            ),
            source=locked,
        )
        locked.due_alert_sent_at = now
        locked.save(update_fields=["due_alert_sent_at"])
        audit.record(
            actor,
            "rems_form.due_alert",
            patient_id=locked.session.patient_id,
            clinic_id=locked.clinic_id,
            target=locked,
            data={"due_on": locked.due_on.isoformat(), "days_left": left},
        )
    return alert
