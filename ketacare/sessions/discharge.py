"""Discharge: allowed when the core finds every criterion of the protocol met, or a
prescriber overrode the unmet ones with a reason. Then the session closes, the appointment
is completed, and the note is drafted from the chart."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotYet
from ketacare.scheduling.booking import appointment_complete_in_transaction

from .access import must_be_open, session_for
from .assessment import Confirmed, Judgement, judge
from .chart import load_chart
from .models import Decision, Discharge, Dose, Phase, SessionNote, TreatmentSession
from .note_draft import draft_note


def unmet_criteria(judgement: Judgement, overridden: set[str]) -> dict[str, str]:
    return {
        check.code: check.message
        for check in judgement.assessment.discharge_checks
        if not check.met and check.code not in overridden
    }


@audit.records_refusals("session.discharge")
def discharge_record(
    actor: Actor,
    session_id: int,
    *,
    left_with_name: str,
    left_with_relation: str = "",
    dissociation_resolved: bool = False,
    ambulating: bool = False,
    clinician_assessed_ready: bool = False,
    ready_without_rule_min: int | None = None,
) -> Discharge:
    """Discharge the patient into ``left_with_name``'s care, or refuse naming each criterion
    still unmet (nothing is written)."""
    left_with_name = " ".join(left_with_name.split())
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
        must_be_open(session)
        now = timezone.now()
        errors: dict[str, str] = {}
        if not 2 <= len(left_with_name) <= 200:
            errors["left_with_name"] = "who the patient leaves with: 2-200 characters"
        if len(left_with_relation) > 80:
            errors["left_with_relation"] = "at most 80 characters"
        if ready_without_rule_min is not None and not 0 <= ready_without_rule_min <= 1440:
            errors["ready_without_rule_min"] = "minutes after the first dose, 0-1440"
        if errors:
            raise FieldErrors(errors)
        chart = load_chart(session)
        if not chart.doses:
            raise Conflict("session", "no dose was charted: close the appointment instead")
        if any(d.kind == Dose.Kind.INFUSION and d.ended_at is None for d in chart.doses):
            raise Conflict("session", "an infusion is still running: chart its end first")
        confirmed = Confirmed(dissociation_resolved, ambulating, clinician_assessed_ready)
        judgement = judge(chart, now, confirmed)
        overridden = {d.subject for d in chart.decisions_of(Decision.Kind.CRITERION_OVERRIDE)}
        unmet = unmet_criteria(judgement, overridden)
        if unmet:
            raise NotYet(unmet)
        discharge = Discharge.objects.create(
            session=session,
            discharged_at=now,
            discharged_by=actor.user,
            discharged_by_label=actor.label[:300],
            left_with_name=left_with_name,
            left_with_relation=left_with_relation.strip(),
            dissociation_resolved=dissociation_resolved,
            ambulating=ambulating,
            clinician_assessed_ready=clinician_assessed_ready,
            checks=[
                {**c.model_dump(mode="json"), "overridden": c.code in overridden and not c.met}
                for c in judgement.assessment.discharge_checks
            ],
            ready_without_rule_min=ready_without_rule_min,
        )
        _close(actor, session, now)
        SessionNote.objects.create(session=session, body=draft_note(load_chart(session)))
        audit.record(
            actor,
            "session.discharge",
            patient_id=session.patient_id,
            target=discharge,
            data={
                "session": session.pk,
                "left_with": left_with_name,
                "overridden": sorted(overridden),
            },
        )
    return discharge


def _close(actor: Actor, session: TreatmentSession, now: datetime) -> None:
    session.phase = Phase.DISCHARGED
    session.discharged_at = now
    session.version += 1
    session.save(update_fields=["phase", "discharged_at", "version"])
    appointment_complete_in_transaction(actor, session.appointment, now=now)
