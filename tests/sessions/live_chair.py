"""Run in a live server's own environment (``ketacare manage shell -c``): two chairs of the
demo clinic with a session open on each, checked and ready to dose, and a lot holding exactly
one dose, all through the real services; and the rows read back. Each prints one line of
JSON for the test to read."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts.actor import actor_for, system_actor
from ketacare.accounts.models import Membership, Role, Site
from ketacare.controlled import services as ledger
from ketacare.controlled.models import LedgerEntry, Lot
from ketacare.patients import services as patients
from ketacare.scheduling import booking, setup
from ketacare.scheduling.models import Service
from ketacare.screening.services import intake_submit
from ketacare.sessions import charting, services
from ketacare.sessions.models import VitalSign
from ketacare.treatment import services as treatment
from tests.candidacy import fields, scales
from tests.sessions.world import CALM, GOOD_PREDOSE

#: Open all day, every day, so the sessions open whenever the test runs.
ALL_DAY = {weekday: [(time(0), time(23, 59))] for weekday in range(7)}
LOT = "LIVE-LAST"
SETUP = system_actor("tests/sessions/live_chair.py")


def _member(email: str, role: str, clinic_id: int | None = None) -> Membership:
    found = Membership.objects.filter(user__email=email, role=role, is_active=True)
    if clinic_id is not None:
        found = found.filter(clinic_id=clinic_id)
    member = found.order_by("pk").first()
    assert member is not None, (email, role)
    return member


def _patient(desk: Membership, prescriber: Membership, nurse: Membership, n: int) -> Any:
    """A new patient with an escort, screened, with a signed IV plan."""
    made = patients.patient_create(
        actor_for(desk),
        data={
            "given_name": f"Chairside {n}",
            "family_name": "Concurrency",
            "date_of_birth": date(1981, 5, 1) + timedelta(days=n),
            "sex_at_birth": "female",
        },
    ).obj
    patients.part_create(
        actor_for(desk),
        made.pk,
        "contacts",
        data={"relationship": "escort", "name": "Dana Dawson", "phone": "+1 617 555 0199"},
    )
    intake_submit(actor_for(nurse), made.pk, fields=fields(), scales=scales())
    plan = treatment.plan_create(
        actor_for(prescriber), made.pk, protocol_id="depression-iv-induction"
    )
    return made, treatment.plan_sign(actor_for(prescriber), plan.pk)


def _new_nurse(owner: Membership, n: int) -> Membership:
    """A nurse of the clinic with nothing booked (the demo's staff have their day)."""
    user = accounts.user_create(
        SETUP,
        email=f"live.nurse{n}@example.com",
        full_name=f"Live Nurse {n}",
        password="correct horse battery staple",  # noqa: S106
    )
    return accounts.membership_create(SETUP, user=user, clinic=owner.clinic, role=Role.NURSE)


def prepare(owner_email: str, desk_email: str, prescriber_email: str) -> None:
    """The two sessions are charted by two new nurses, one at each chair (their emails are
    in the answer, for their tokens)."""
    owner = _member(owner_email, Role.OWNER)
    desk = _member(desk_email, Role.FRONT_DESK, owner.clinic_id)
    prescriber = _member(prescriber_email, Role.PRESCRIBER, owner.clinic_id)
    nurses = [_new_nurse(owner, n) for n in (1, 2)]
    nurse = nurses[0]
    actor = actor_for(owner)
    site = Site.objects.filter(clinic=owner.clinic, is_active=True).order_by("pk").first()
    assert site is not None
    chairs = [
        setup.resource_create(actor, site_id=site.pk, kind="chair", name=f"Live chair {n}")
        for n in (1, 2)
    ]
    setup.hours_set(actor, site_id=site.pk, pattern=ALL_DAY)
    for member in nurses:
        setup.hours_set(actor, site_id=site.pk, membership_id=member.pk, pattern=ALL_DAY)
    setup.services_seed(actor)
    service = Service.objects.get(clinic=owner.clinic, name="Ketamine IV infusion")
    now = timezone.now().astimezone(site.tz)
    start = datetime.combine(now.date(), time(now.hour), tzinfo=site.tz) + timedelta(hours=1)
    sessions = []
    plans = []
    for n, (chair, performer) in enumerate(zip(chairs, nurses, strict=True)):
        patient, plan = _patient(desk, prescriber, nurse, n)
        appointment = booking.appointment_book(
            actor_for(desk),
            patient.pk,
            service_id=service.pk,
            start_at=start,
            resource_id=chair.pk,
            performer_id=performer.pk,
            plan_id=plan.pk,
        )
        booking.appointment_check_in(actor_for(desk), appointment.pk)
        session = services.session_start(actor_for(performer), appointment.pk)
        charting.vitals_record(actor_for(performer), session.pk, **CALM)
        services.predose_record(actor_for(performer), session.pk, **GOOD_PREDOSE)
        sessions.append(session.pk)
        plans.append(plan)
    dose_mg = plans[0].dose_mg
    assert plans[1].dose_mg == dose_mg
    vial = ledger.product_create(
        actor,
        name="Ketamine HCl 50 mg/mL (live test)",
        drug="ketamine",
        form="injection",
        strength="50 mg/mL",
        unit="mg",
        concentration_mg_per_ml=Decimal("50"),
    )
    received = ledger.receipt_record(
        actor_for(nurse),
        product_id=vial.pk,
        site_id=site.pk,
        lot_number=LOT,
        expires_on=now.date() + timedelta(days=365),
        quantity=Decimal(str(dose_mg)),
        received_at=timezone.now() - timedelta(hours=1),
        supplier="Henry Schein",
        invoice_number="INV-LIVE",
    )
    _answer(
        {
            "sessions": sessions,
            "nurses": [m.user.email for m in nurses],
            "lot": received.lot.pk,
            "dose_mg": float(dose_mg),
            "rate_mg_per_h": float(plans[0].dose["rate_mg_per_h"]),
        }
    )


def counts(session_id: int, lot_id: int) -> None:
    """The session's vital signs, the lot's balance and its administrations."""
    _answer(
        {
            "vitals": VitalSign.objects.filter(session_id=session_id).count(),
            "balance": str(Lot.objects.get(pk=lot_id).balance),
            "administrations": LedgerEntry.objects.filter(
                lot_id=lot_id, kind="administration"
            ).count(),
        }
    )


def _answer(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
