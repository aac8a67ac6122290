"""The services a new clinic starts with, one or more per service type of the clinical core
(``clinical/data/services.toml``), with the minutes and the roles a clinic then adjusts.

Where a label or a protocol fixes a number it comes from there; the rest are ketacare's
starting values (``ketacare-placeholder``), for the clinic to set:

- a ketamine IV infusion lasts the protocol's infusion duration (40 min for depression,
  240 min for the pain regimens: ``infusion.duration_min`` of each protocol), followed by the
  clinic's minimum observation after racemic dosing (setting ``racemic_min_observation_min``);
- a Spravato session is the devices (one every 5 minutes, up to three: 15 min) and the rest
  of the 2 hours of monitoring from the first device (SPRAVATO label and REMS), with a
  prescriber on site for the whole block;
- IM and intranasal racemic doses take 15 min, then the same observation;
- IV hydration 60 min, acupuncture 60 min, therapy and integration 60 min (the longest of the
  core's ``duration_options_min``); a consultation 30 min, a follow-up 30 min.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.clinical import load_protocols
from ketacare.clinical.protocols.service_types import load_services
from ketacare.clinical.settings import ClinicSettings

NURSE_OR_PRESCRIBER = ("nurse", "prescriber")
PRESCRIBER_OR_NURSE = ("prescriber", "nurse")
PRESCRIBER = ("prescriber",)
#: Turnover of a chair or room after each appointment (ketacare-placeholder).
DEFAULT_BUFFER_MIN = 15
#: The administration part of a session: devices one every 5 min, up to 3 (SPRAVATO PI,
#: Dosage and Administration).
SPRAVATO_DEVICES_MIN = 15
SPRAVATO_MONITORING_MIN = 120


@dataclass(frozen=True)
class DefaultService:
    service_type: str
    name: str
    duration_min: int
    recovery_min: int
    resource_kind: str
    performer_roles: tuple[str, ...]
    protocol_ids: tuple[str, ...]
    sources: tuple[str, ...]
    buffer_min: int = DEFAULT_BUFFER_MIN

    @property
    def type_rules(self) -> dict[str, bool]:
        """What the core's service type fixes: prescriber on site, REMS, the ride home."""
        kind = load_services()[self.service_type]
        return {
            "prescriber_on_site": kind.needs_prescriber_on_site,
            "needs_rems_enrolment": self.service_type == "esketamine_session",
            "needs_ride_home": kind.kind == "drug" and kind.needs_chair,
        }


def _protocols_by_service() -> dict[tuple[str, int | None], tuple[str, ...]]:
    """Clinic protocols grouped by service type and infusion minutes."""
    groups: dict[tuple[str, int | None], list[str]] = {}
    for protocol in load_protocols().values():
        if protocol.setting != "clinic":
            continue
        minutes = protocol.infusion.duration_min if protocol.infusion else None
        groups.setdefault((protocol.service, minutes), []).append(protocol.id)
    return {key: tuple(sorted(ids)) for key, ids in groups.items()}


def default_services(settings: ClinicSettings) -> list[DefaultService]:
    observe = settings.racemic_min_observation_min
    groups = _protocols_by_service()
    observed = ("ketacare-placeholder", "sanacora-2017-unverified")
    infusions = [
        DefaultService(
            "ketamine_infusion",
            "Ketamine IV infusion"
            if minutes == 40
            else f"Ketamine IV infusion ({minutes // 60} h)",
            minutes,
            observe,
            "chair",
            NURSE_OR_PRESCRIBER,
            ids,
            observed,
        )
        for (service, minutes), ids in sorted(groups.items(), key=lambda kv: kv[0][1] or 0)
        if service == "ketamine_infusion" and minutes is not None
    ]
    return [
        DefaultService(
            "consultation",
            "Free consultation",
            30,
            0,
            "room",
            PRESCRIBER,
            (),
            ("ketacare-placeholder",),
        ),
        *infusions,
        DefaultService(
            "esketamine_session",
            "Spravato session",
            SPRAVATO_DEVICES_MIN,
            SPRAVATO_MONITORING_MIN - SPRAVATO_DEVICES_MIN,
            "chair",
            NURSE_OR_PRESCRIBER,
            groups.get(("esketamine_session", None), ()),
            ("spravato-pi", "spravato-rems"),
        ),
        DefaultService(
            "ketamine_im_injection",
            "Ketamine IM injection",
            15,
            observe,
            "chair",
            NURSE_OR_PRESCRIBER,
            groups.get(("ketamine_im_injection", None), ()),
            observed,
        ),
        DefaultService(
            "ketamine_intranasal",
            "Ketamine nasal spray (in clinic)",
            15,
            observe,
            "chair",
            NURSE_OR_PRESCRIBER,
            groups.get(("ketamine_intranasal", None), ()),
            observed,
        ),
        DefaultService(
            "iv_hydration", "IV hydration", 60, 0, "chair", ("nurse",), (), ("billing-codes",)
        ),
        DefaultService(
            "acupuncture", "Acupuncture", 60, 0, "room", NURSE_OR_PRESCRIBER, (), ("billing-codes",)
        ),
        DefaultService(
            "talk_therapy",
            "Talk therapy",
            60,
            0,
            "room",
            NURSE_OR_PRESCRIBER,
            (),
            ("billing-codes",),
        ),
        DefaultService(
            "integration_session",
            "Integration session",
            60,
            0,
            "room",
            NURSE_OR_PRESCRIBER,
            (),
            ("billing-codes",),
        ),
        DefaultService(
            "follow_up", "Follow-up visit", 30, 0, "room", PRESCRIBER, (), ("ketacare-placeholder",)
        ),
    ]
