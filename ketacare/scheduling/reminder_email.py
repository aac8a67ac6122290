"""What an appointment reminder says: the service, the local date and time in the site's zone,
the site and its address, and for a drug service (one that needs a ride home) how to prepare:
fasting, the ride home, no driving until the next day. Nothing else: no diagnosis, no dose, no
protocol name, since an email is read on lock screens and shared inboxes.

Fasting is the rule the pre-dose check applies (``clinical/safety/fasting.py``): the
protocol's own preparation (SPRAVATO label: no food for 2 h, no liquids for 30 min before;
source ``spravato-pi``), else the clinic's settings (ASA: a light meal 6 h, clear liquids 2 h
before; ``asa-fasting-2017``), so the patient is told the rule the clinic will hold them to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.clinical import load_protocols

from .models import Appointment

#: SPRAVATO label (``spravato-pi``, Dosage and Administration): "do not drive or operate
#: machinery until the next day after a restful sleep". ketacare gives the same instruction
#: after racemic ketamine (ketacare convention, ``ketacare-placeholder``), as the chart asks
#: for an escort before check-in for both.
NO_DRIVING = (
    "Do not drive or operate machinery until the next day, after a restful sleep.",
    ("spravato-pi",),
)
#: Discharge needs an escort present (setting ``discharge_requires_escort``: sources
#: ``clinic-rules-design``, ``sanacora-2017-unverified``), as check-in needs one on the chart.
RIDE_HOME = (
    "Arrange a ride home: you must not drive after your treatment. Someone must take you home.",
    ("clinic-rules-design", "sanacora-2017-unverified"),
)


@dataclass(frozen=True)
class Instruction:
    text: str
    sources: tuple[str, ...]


def _span(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' * (hours != 1)}"
    return f"{minutes} minutes"


def _fasting(appointment: Appointment) -> Instruction:
    ids = [appointment.plan.protocol_id] if appointment.plan else appointment.service.protocol_ids
    protocols = load_protocols()
    rules = {
        (p.preparation.food_fast_min, p.preparation.liquid_fast_min, tuple(p.preparation.sources))
        for p in (protocols[i] for i in ids if i in protocols)
        if p.preparation is not None
        and p.preparation.food_fast_min is not None
        and p.preparation.liquid_fast_min is not None
    }
    if len(rules) == 1:
        food, liquid, sources = next(iter(rules))
    else:
        settings = clinic_settings(appointment.clinic)
        food = round(settings.predose_fasting_solids_hours * 60)
        liquid = round(settings.predose_fasting_clear_fluids_hours * 60)
        sources = ("asa-fasting-2017",)
    assert food is not None and liquid is not None
    return Instruction(
        f"Do not eat for {_span(food)} and do not drink anything for {_span(liquid)} before "
        "your appointment.",
        sources,
    )


def instructions(appointment: Appointment) -> list[Instruction]:
    """How to prepare: only for drug services, which need a ride home."""
    if not appointment.service.needs_ride_home:
        return []
    return [_fasting(appointment), Instruction(*RIDE_HOME), Instruction(*NO_DRIVING)]


def local_when(appointment: Appointment) -> str:
    local = appointment.start_at.astimezone(appointment.site.tz)
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M %Z}"


def reminder_message(appointment: Appointment) -> tuple[str, str]:
    """The subject and the plain-text body."""
    site = appointment.site
    when = local_when(appointment)
    body = render_to_string(
        "scheduling/email/reminder.txt",
        {
            "clinic": appointment.clinic.name,
            "service": appointment.service.name,
            "when": when,
            "where": ", ".join(part for part in (site.name, site.address) if part),
            "instructions": [i.text for i in instructions(appointment)],
        },
    )
    return f"Reminder: {appointment.service.name} on {when}", body
