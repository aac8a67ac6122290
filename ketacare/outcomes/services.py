"""Recording questionnaire answers: scored by the clinical core, stored item by item, audited,
and any suicidality answer raises an alert to the care team in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.alerts import services as alerts
from ketacare.audit import services as audit
from ketacare.clinical import score as score_answers
from ketacare.clinical.errors import ClinicalInputError, UnknownIdError
from ketacare.clinical.safety.suicidality import suicidality_alert
from ketacare.lib.errors import FieldErrors
from ketacare.patients.models import Patient

from .models import QuestionnaireResponse


def response_record(
    actor: Actor,
    patient: Patient,
    *,
    instrument_id: str,
    answers: Sequence[int | None] | Mapping[str, int | None],
    context: str,
    administered_at: datetime | None = None,
    intake_id: int | None = None,
) -> QuestionnaireResponse:
    """Score and store one questionnaire for a patient the caller has already fetched."""
    require_perm(actor.membership, Perm.INTAKE_RECORD)
    if context not in QuestionnaireResponse.Context.values:
        raise FieldErrors(
            {"context": f"must be one of {', '.join(QuestionnaireResponse.Context.values)}"}
        )
    stored: list[int | None] | dict[str, int | None] = (
        dict(answers) if isinstance(answers, Mapping) else list(answers)
    )
    try:
        scored = score_answers(instrument_id, stored, clinic_settings(patient.clinic))
    except UnknownIdError as exc:
        raise FieldErrors({f"scales.{instrument_id}": str(exc)}) from None
    except ClinicalInputError as exc:
        raise FieldErrors.naming(exc, prefix=f"scales.{instrument_id}.") from None
    with transaction.atomic():
        response = QuestionnaireResponse.objects.create(
            patient=patient,
            instrument_id=scored.instrument,
            instrument_version=scored.version,
            context=context,
            answers=stored,
            total=scored.total,
            severity=scored.severity or "",
            flags=list(scored.flags),
            score=scored.to_json(),
            administered_at=administered_at or timezone.now(),
            entered_by=actor.user,
            intake_id=intake_id,
        )
        audit.record(
            actor,
            "questionnaire.record",
            patient_id=patient.pk,
            target=response,
            changes={"answers": [None, response.answers], "total": [None, scored.total]},
            data={"instrument": scored.instrument, "context": context, "flags": list(scored.flags)},
        )
        spec = suicidality_alert(response.instrument_id, response.score)
        if spec is not None:
            alerts.alert_raise(
                actor,
                patient,
                kind="suicidality",
                severity=spec.severity,
                message=spec.message,
                source=response,
            )
    return response
