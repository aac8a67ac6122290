"""An intake entered section by section: the sections, their saved state, and the draft that
keeps what was saved until the final submission records the intake (through ``record_intake``,
so a sectioned intake screens exactly as a one-page one). Every save and read is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import current_settings_version, version_settings
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical import score as score_answers
from ketacare.clinical.errors import ClinicalInputError, UnknownIdError
from ketacare.lib.errors import FieldErrors
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import Patient, PatientId

from .models import IntakeDraft
from .services import OPTIONAL_SCALES, Answers, IntakeOutcome, record_intake


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    #: The instruments this section asks (none for a section of plain fields).
    scales: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("medications", "Diagnoses and medications"),
    Section("history", "Medical history"),
    Section("vitals", "Body and vital signs"),
    Section("phq9", "PHQ-9", ("phq9",)),
    Section("gad7", "GAD-7", ("gad7",)),
    Section("cssrs_screener", "C-SSRS screener", ("cssrs_screener",)),
    Section("other_scales", "Other scales (if the indication needs them)", OPTIONAL_SCALES),
    Section("safety", "Safety and home"),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
REVIEW = "review"

NOT_STARTED, SAVED, HAS_ERRORS = "not_started", "saved", "errors"
STATE_LABELS = {NOT_STARTED: "Not started", SAVED: "Saved", HAS_ERRORS: "Has errors"}


def section(key: str) -> Section | None:
    return next((s for s in SECTIONS if s.key == key), None)


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]

    @property
    def saved(self) -> int:
        return sum(1 for s in self.steps if s.state == SAVED)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.saved == self.total

    @property
    def resume_key(self) -> str:
        """The first section not saved without errors; the review once all are."""
        return next((s.key for s in self.steps if s.state != SAVED), REVIEW)


def state_of(draft: IntakeDraft | None, key: str) -> str:
    entry = (draft.sections if draft else {}).get(key)
    if entry is None:
        return NOT_STARTED
    return HAS_ERRORS if entry.get("errors") else SAVED


def progress(draft: IntakeDraft | None) -> Progress:
    return Progress(
        tuple(Step(n, s.key, s.title, state_of(draft, s.key)) for n, s in enumerate(SECTIONS, 1))
    )


def draft_of(patient: Patient) -> IntakeDraft | None:
    """The draft in progress, unaudited: for the count on an entry link, not its answers."""
    return IntakeDraft.objects.filter(patient=patient).first()


def read_draft(actor: Actor, patient: Patient) -> IntakeDraft | None:
    """The patient's intake in progress (None before the first save); the read is audited."""
    draft = draft_of(patient)
    if draft is not None:
        with transaction.atomic():
            audit.record(actor, "intake_draft.read", patient_id=patient.pk, target=draft)
    return draft


def merged_data(draft: IntakeDraft | None) -> dict[str, Any]:
    """Every saved value of every section, as one form would have posted them."""
    data: dict[str, Any] = {}
    for entry in (draft.sections if draft else {}).values():
        data.update(entry.get("data", {}))
    return data


def scale_problems(patient: Patient, scales: Mapping[str, Answers]) -> dict[str, str]:
    """What the clinical core says about these answers (a missing item, the C-SSRS skip rule),
    keyed as ``intake_submit`` keys them, so a section shows them before the final step."""
    settings = version_settings(current_settings_version(patient.clinic))
    errors: dict[str, str] = {}
    for instrument_id, answers in scales.items():
        try:
            score_answers(instrument_id, answers, settings)
        except (ClinicalInputError, UnknownIdError) as exc:
            field = getattr(exc, "field", "")
            errors[f"scales.{instrument_id}" + (f".{field}" if field else "")] = getattr(
                exc, "message", str(exc)
            )
    return errors


@audit.records_refusals("intake_draft.save")
def draft_save(
    actor: Actor,
    patient_id: PatientId,
    key: str,
    *,
    data: Mapping[str, Any],
    errors: Mapping[str, list[str]],
) -> IntakeDraft:
    """Store one section of the patient's intake in progress: the values the form accepted
    (a refused value is not stored) and the errors still open, replacing what the section held.
    The patient row is locked, so two tabs saving the first section make one draft."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.INTAKE_RECORD)
    if key not in SECTION_KEYS:
        raise FieldErrors({"section": f"must be one of {', '.join(SECTION_KEYS)}"})
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        draft = IntakeDraft.objects.filter(patient=patient).first()
        if draft is None:
            draft = IntakeDraft(
                patient=patient, started_by=actor.user, started_by_label=actor.label, version=0
            )
        before = draft.sections.get(key)
        entry = {"data": dict(data), "errors": {k: list(v) for k, v in errors.items()}}
        draft.sections = {**draft.sections, key: entry}
        draft.last_section = key
        draft.version += 1
        draft.updated_at = timezone.now()
        draft.save()
        audit.record(
            actor,
            "intake_draft.save",
            patient_id=patient.pk,
            target=draft,
            changes={key: [before, entry]},
            data={"section": key, "state": state_of(draft, key), "version": draft.version},
        )
    return draft


@audit.records_refusals("intake.record")
def draft_submit(
    actor: Actor,
    patient_id: PatientId,
    *,
    fields: Mapping[str, Any],
    scales: Mapping[str, Answers],
    notes: str = "",
) -> IntakeOutcome:
    """Record the intake from its draft and close the draft, in one transaction: if the
    screening is refused, the draft stays as it was."""
    with transaction.atomic():
        outcome = record_intake(actor, patient_id, fields=fields, scales=scales, notes=notes)
        draft = IntakeDraft.objects.select_for_update().filter(patient_id=patient_id).first()
        if draft is not None:
            audit.record(
                actor,
                "intake_draft.close",
                patient_id=outcome.intake.patient_id,
                target=draft,
                data={"intake": outcome.intake.number, "version": draft.version},
            )
            draft.delete()
    return outcome
