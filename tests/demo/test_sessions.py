"""The demo's chair and its controlled-substance ledger, seeded on Sunday 22 November 2026
(noon in Boston): the past week's sessions of signed plans charted through the sessions
services and discharged, the stock they were drawn from, the REMS forms, and one session in
progress today."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership
from ketacare.audit.services import verify_chain
from ketacare.controlled.models import Count, LedgerEntry, Lot
from ketacare.demo.seed import seed_demo
from ketacare.scheduling.models import Appointment, HoursException
from ketacare.sessions.models import Dose, Event, Observation, RemsForm, TreatmentSession
from ketacare.sessions.queries import board

from .calendar_checks import BOSTON, local

SEEDED_AT = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)  # noon in Boston, a Sunday
TODAY = dt.date(2026, 11, 22)
D = dt.date


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        with time_machine.travel(SEEDED_AT, tick=False):
            seed_demo()
        yield
        transaction.set_rollback(True)


def _sessions() -> list[TreatmentSession]:
    return list(
        TreatmentSession.objects.filter(clinic__slug="demo")
        .select_related("appointment", "site", "patient", "started_by")
        .order_by("started_at")
    )


@pytest.mark.django_db
def test_sessions_of_every_charted_kind_with_their_phases(seeded: None) -> None:
    rows = _sessions()
    counts = Counter((s.protocol_id, s.phase) for s in rows)
    assert counts == {
        ("depression-iv-induction", "discharged"): 8,
        ("ptsd-iv-induction", "discharged"): 4,
        ("pain-iv-outpatient-4h", "discharged"): 2,
        ("esketamine-trd-induction", "discharged"): 3,
        ("ptsd-iv-induction", "dosing"): 1,
    }
    # Each session is its appointment's, opened 3 minutes before the start; the IM injection
    # service has no signed IM plan, so none of its appointments has a session.
    for s in rows:
        assert s.started_at == s.appointment.start_at - dt.timedelta(minutes=3), s
    assert not TreatmentSession.objects.filter(
        appointment__service__name="Ketamine IM injection"
    ).exists()
    # Every past checked-in appointment of a charted service has its session.
    charted = ("Ketamine IV infusion", "Ketamine IV infusion (4 h)", "Spravato session")
    past = Appointment.objects.filter(
        clinic__slug="demo",
        service__name__in=charted,
        status__in=("checked_in", "completed"),
        start_at__lt=dt.datetime(2026, 11, 22, 5, tzinfo=dt.UTC),
    )
    assert {a.pk for a in past} == {s.appointment_id for s in rows if s.phase == "discharged"}


@pytest.mark.django_db
def test_every_completed_session_was_discharged_and_has_its_note(seeded: None) -> None:
    done = [s for s in _sessions() if s.phase == "discharged"]
    assert {s.appointment.status for s in done} == {"completed"}
    signed = []
    for s in done:
        assert s.discharge.discharged_at == s.discharged_at, s
        assert s.discharge.left_with_name, s
        assert all(check["met"] and not check["overridden"] for check in s.discharge.checks), s
        note = s.note
        assert "Discharged" in note.body
        if note.signed_at is not None:
            signed.append(s)
            # Signed by the clinician who charted it.
            assert note.signed_by_id == s.started_by_id, s
    assert len(signed) == len(done) - 1
    unsigned = next(s for s in done if s not in signed)
    assert unsigned == done[-1]
    roles = Counter(Membership.objects.get(user=s.started_by, clinic=s.clinic).role for s in done)
    # The nurse at Harbor Street; the prescriber at Back Bay and on the nurse's day of leave.
    assert roles == {"nurse": 13, "prescriber": 4}


@pytest.mark.django_db
def test_the_chart_of_a_session(seeded: None) -> None:
    for s in _sessions():
        predose = s.predose.get()
        assert predose.decision == "proceed"
        assert predose.escort_present and predose.escort_name
        assert predose.same_day_screen == {"source": "now", "phq9_item9": 0}
        assert s.vitals.filter(measured_at__lt=s.first_dose_at).count() == 1
        doses = list(s.doses.order_by("measured_at"))
        assert {d.ledger_entry.lot.site_id for d in doses} == {s.site_id}
        if s.drug == "esketamine":
            assert [d.kind for d in doses] == ["device"] * len(doses)
            assert len(doses) == s.plan.dose["devices"]
            assert all(
                b.measured_at - a.measured_at >= dt.timedelta(minutes=5) for a, b in pairwise(doses)
            )
        else:
            assert [d.kind for d in doses] == ["infusion"]
        if s.phase == "discharged":
            instruments = set(s.observations.values_list("instrument", flat=True))
            assert instruments == {Observation.Instrument.MOAAS, Observation.Instrument.CADSS}
            assert s.observations.filter(instrument="moaas").order_by("-measured_at")[0].score == 5
    events = Event.objects.filter(session__clinic__slug="demo")
    assert [(e.kind, e.code, e.severity, e.outcome) for e in events] == [
        ("side_effect", "nausea", "mild", "resolved")
    ]


@pytest.mark.django_db
def test_every_lot_balances_with_its_entries(seeded: None) -> None:
    lots = Lot.objects.filter(product__clinic__slug="demo").select_related("product", "site")
    assert sorted((lot.site.name, lot.lot_number) for lot in lots) == [
        ("Back Bay", "KV24131"),
        ("Back Bay", "SPV2406A"),
        ("Harbor Street", "KH24052"),
        ("Harbor Street", "KV24117"),
        ("Harbor Street", "SPV2406A"),
    ]
    for lot in lots:
        entries = LedgerEntry.objects.filter(lot=lot)

        def total(*kinds: str, lot_entries=entries) -> Decimal:
            return lot_entries.filter(kind__in=kinds).aggregate(s=Sum("quantity"))["s"] or 0

        expected = (
            total("receipt")
            + total("administration")
            + total("waste")
            + total("transfer_in")
            + total("transfer_out")
            + total("count_adjustment")
        )
        assert lot.balance == expected, lot
        assert lot.expires_on > TODAY
        administered = -total("administration")
        given = Dose.objects.filter(lot=lot).aggregate(s=Sum("dose_mg"))["s"] or 0
        unit = lot.product.unit
        doses = Dose.objects.filter(lot=lot).count()
        assert administered == (doses if unit == "device" else given), lot
    receipts = LedgerEntry.objects.filter(clinic__slug="demo", kind="receipt")
    assert all(r.supplier and r.invoice_number for r in receipts)


@pytest.mark.django_db
def test_counts_waste_and_transfer(seeded: None) -> None:
    counts = Count.objects.filter(clinic__slug="demo").select_related("site").order_by("counted_at")
    assert [(c.kind, c.site.name, local(c.counted_at).date()) for c in counts] == [
        ("initial", "Harbor Street", D(2026, 2, 25)),
        ("initial", "Back Bay", D(2026, 5, 6)),
        ("routine", "Harbor Street", D(2026, 11, 16)),
    ]
    routine = counts.last()
    assert routine is not None
    off = [line for line in routine.lines.all() if line.discrepancy]
    assert [(line.lot.lot_number, line.discrepancy) for line in off] == [("KV24117", Decimal(5))]
    assert "overfill" in off[0].explanation
    wastes = LedgerEntry.objects.filter(clinic__slug="demo", kind="waste")
    assert wastes.count() >= 1
    for waste in wastes:
        assert waste.witness_id and waste.witness_id != waste.recorded_by_id
        assert waste.quantity == Decimal(-400) and waste.lot.lot_number == "KH24052"
    out = LedgerEntry.objects.get(clinic__slug="demo", kind="transfer_out")
    assert (out.lot.site.name, out.counterpart_site.name, out.quantity) == (
        "Harbor Street",
        "Back Bay",
        Decimal(-8),
    )


@pytest.mark.django_db
def test_rems_forms_submitted_due_and_overdue(seeded: None) -> None:
    forms = RemsForm.objects.filter(clinic__slug="demo").select_related("session")
    rows = sorted(
        (local(f.session.started_at).date(), f.due_on, f.submitted_at is None) for f in forms
    )
    # The visits 13 and 10 days ago (booked outside the fortnight), then the fortnight's one.
    assert rows == [
        (D(2026, 11, 9), D(2026, 11, 16), False),
        (D(2026, 11, 12), D(2026, 11, 19), True),
        (D(2026, 11, 19), D(2026, 11, 26), True),
    ]
    submitted = forms.get(submitted_at__isnull=False)
    assert (submitted.method, submitted.submitted_by.email) == ("portal", "nurse@demo.ketacare.org")
    assert local(submitted.submitted_at) == dt.datetime(2026, 11, 10, 16, tzinfo=BOSTON)
    assert submitted.confirmation == f"RPM-DEMO-{submitted.session_id:05d}"
    assert submitted.fields
    # Of the others: overdue past the 7 days (REMS), and one due within them.
    open_forms = sorted(forms.filter(submitted_at__isnull=True), key=lambda f: f.due_on)
    assert [f.due_on >= TODAY for f in open_forms] == [False, True]


@pytest.mark.django_db
def test_one_session_in_progress_on_today_s_board(seeded: None) -> None:
    today = [s for s in _sessions() if local(s.started_at).date() == TODAY]
    assert len(today) == 1
    session = today[0]
    assert session.phase == "dosing"
    assert SEEDED_AT - session.first_dose_at == dt.timedelta(minutes=30)
    nurse = Membership.objects.get(user__email="nurse@demo.ketacare.org")
    with time_machine.travel(SEEDED_AT, tick=False):
        chairs = board(actor_for(nurse), session.site_id)
    shown = [c for c in chairs if c.view is not None]
    assert [(c.view.session.pk, c.view.session.phase) for c in shown] == [(session.pk, "dosing")]
    assert shown[0].view.judgement.assessment.alerts == ()
    # Sunday: Harbor Street is closed, so the owner added the evening's hours first.
    extra = HoursException.objects.filter(kind="add", day=TODAY).order_by("membership")
    assert [(e.site.name, e.reason) for e in extra] == [
        ("Harbor Street", "Weekend infusion clinic"),
        ("Harbor Street", "Weekend infusion clinic"),
    ]


@pytest.mark.django_db
def test_the_audit_chains_hold(seeded: None) -> None:
    assert verify_chain().ok
