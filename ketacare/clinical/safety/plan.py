"""The monitoring plan a session is judged against: from its protocol, or the drug default."""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.clinical.protocols import get_protocol
from ketacare.clinical.safety.models import SessionFacts
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.vocabulary import DischargeCriterion

#: Criteria used when a session has no protocol (the same lists as the packaged protocols).
RACEMIC_CRITERIA: tuple[DischargeCriterion, ...] = (
    "observation_time",
    "sedation_resolved",
    "bp_near_baseline",
    "heart_rate_acceptable",
    "spo2_acceptable",
    "dissociation_resolved",
    "ambulating",
    "escort_present",
    "clinician_assessed_ready",
    "no_unresolved_stop",
    "alerts_acknowledged",
)
ESKETAMINE_CRITERIA: tuple[DischargeCriterion, ...] = (
    *RACEMIC_CRITERIA,
    "bp_at_40_min",
    "pulse_oximetry_recorded",
)
#: Spravato label and REMS: monitoring >= 120 min from the first device; BP at 0 and ~40 min.
ESKETAMINE_MIN_OBSERVATION_MIN = 120
ESKETAMINE_BP_CHECKS_MIN = (0, 40)
ESKETAMINE_BP_CHECK_TOLERANCE_MIN = 10


@dataclass(frozen=True)
class Plan:
    min_observation_min: int
    observation_from: str  # "first_dose" or "dose_end"
    bp_checks_min: tuple[int, ...]
    bp_check_tolerance_min: int
    criteria: tuple[DischargeCriterion, ...]
    observation_source: str
    vitals_interval_during_min: int | None = None
    vitals_interval_after_min: int | None = None
    #: The protocol's fasting rule (Spravato label), else None: the clinic settings apply.
    food_fast_min: int | None = None
    liquid_fast_min: int | None = None
    suicidality_gate_before_dose: bool = False


def plan_for(facts: SessionFacts, settings: ClinicSettings) -> Plan:
    """Monitoring plan: the protocol's, or the drug's default when no protocol is given."""
    if facts.protocol_id is not None:
        protocol = get_protocol(facts.protocol_id)
        if protocol.drug != facts.drug:
            raise ValueError(
                f"protocol {protocol.id} is for {protocol.drug}, but the session drug is "
                f"{facts.drug}"
            )
        monitoring = protocol.monitoring
        fixed = monitoring.min_observation_min
        preparation = protocol.preparation
        return Plan(
            min_observation_min=fixed
            if fixed is not None
            else settings.racemic_min_observation_min,
            observation_from=monitoring.observation_from,
            bp_checks_min=monitoring.bp_checks_min,
            bp_check_tolerance_min=monitoring.bp_check_tolerance_min or 0,
            criteria=protocol.discharge.criteria,
            observation_source="spravato-rems" if fixed is not None else "ketacare-placeholder",
            vitals_interval_during_min=monitoring.vitals_interval_during_min,
            vitals_interval_after_min=monitoring.vitals_interval_after_min,
            food_fast_min=preparation.food_fast_min if preparation else None,
            liquid_fast_min=preparation.liquid_fast_min if preparation else None,
            suicidality_gate_before_dose=monitoring.suicidality_gate_before_dose,
        )
    if facts.drug == "esketamine":
        return Plan(
            ESKETAMINE_MIN_OBSERVATION_MIN,
            "first_dose",
            ESKETAMINE_BP_CHECKS_MIN,
            ESKETAMINE_BP_CHECK_TOLERANCE_MIN,
            ESKETAMINE_CRITERIA,
            "spravato-rems",
        )
    return Plan(
        settings.racemic_min_observation_min,
        "dose_end",
        (),
        0,
        RACEMIC_CRITERIA,
        "ketacare-placeholder",
    )
