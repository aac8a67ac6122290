"""Doses at the chair: what blocks them, what needs an order, the lot each is drawn from
(refused with nothing written), Spravato devices, infusion rates and ends, and the phases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.controlled import services as ledger
from ketacare.controlled.models import LedgerEntry, Lot
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.sessions import dosing, services
from ketacare.sessions.models import Decision, Dose, Phase, RateChange
from tests.scheduling.conftest import MONDAY, ny

from .world import SPRAVATO_PREDOSE, Chair, infusion, open_chair


def _ledger(chair: Chair) -> tuple[int, int, list[Decimal]]:
    """What a refused dose must leave as it was: doses, ledger entries, lot balances."""
    balances = [
        Lot.objects.get(pk=lot.pk).balance for lot in (chair.stock.ketamine, chair.stock.spravato)
    ]
    return Dose.objects.count(), LedgerEntry.objects.count(), balances


def _refused(action: str = "session.dose") -> list[str]:
    return [
        e.data["refused"]
        for e in AuditEvent.objects.filter(action="write.refused", data__attempted=action)
    ]


def _ready(chair: Chair, **predose) -> None:
    chair.vitals(-3)
    chair.at(-1)
    chair.predose(**predose)


def _injection(chair: Chair, minutes: float, dose_mg: str, **kwargs):
    at = chair.at(minutes)
    return dosing.dose_record(
        chair.nurse,
        chair.session.pk,
        kind="injection",
        lot_id=chair.stock.ketamine.pk,
        dose_mg=Decimal(dose_mg),
        measured_at=at,
        **kwargs,
    )


def _device(chair: Chair, minutes: float):
    at = chair.at(minutes)
    return dosing.dose_record(
        chair.nurse, chair.session.pk, kind="device", lot_id=chair.stock.spravato.pk, measured_at=at
    )


def _decide(chair: Chair, kind: str, **kwargs):
    return services.decision_record(
        chair.prescriber,
        chair.session.pk,
        kind=kind,
        reason=kwargs.pop("reason", "reviewed"),
        **kwargs,
    )


# --- what blocks a dose ---------------------------------------------------------------------


@pytest.mark.django_db
def test_no_dose_before_the_predose_check(day, clock) -> None:
    chair = open_chair(day, clock)
    before = _ledger(chair)
    with pytest.raises(Conflict) as refused:
        infusion(chair, 0)
    assert refused.value.message == "chart the pre-dose checklist first"
    assert _ledger(chair) == before
    assert chair.refresh().phase == Phase.PREDOSE
    assert _refused() == ["Conflict"]


@pytest.mark.django_db
def test_a_hold_blocks_dosing_until_a_prescriber_releases_it(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3, systolic_mmhg=150, diastolic_mmhg=85)
    chair.predose()
    before = _ledger(chair)
    with pytest.raises(Conflict) as refused:
        infusion(chair, 0)
    assert refused.value.message == (
        "the pre-dose decision is 'hold for review': a prescriber must release it with a reason"
    )
    assert _ledger(chair) == before
    _decide(
        chair, Decision.Kind.PREDOSE_RELEASE, reason="BP 150/85 is his usual; benefit outweighs"
    )
    dose, _ = infusion(chair, 1)
    assert dose.order_id is None
    assert chair.refresh().phase == Phase.DOSING


@pytest.mark.django_db
def test_a_do_not_dose_hold_is_named_as_such(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair, consent_confirmed=False)
    with pytest.raises(Conflict) as refused:
        infusion(chair, 0)
    assert "'do not dose'" in refused.value.message


@pytest.mark.django_db
def test_a_release_counts_only_for_the_check_it_released(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair, consent_confirmed=False)
    _decide(chair, Decision.Kind.PREDOSE_RELEASE, reason="consent signed on paper today")
    chair.at(-0.5)
    chair.predose(identity_confirmed=False)
    with pytest.raises(Conflict) as refused:
        infusion(chair, 0)
    assert "a prescriber must release it" in refused.value.message
    assert not Dose.objects.exists()


@pytest.mark.django_db
def test_a_declined_dose_is_not_given(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair, pregnancy="unknown")
    _decide(chair, Decision.Kind.PREDOSE_DECLINE, reason="pregnancy test first")
    before = _ledger(chair)
    with pytest.raises(Conflict) as refused:
        infusion(chair, 0)
    assert refused.value.message == "the prescriber declined today's dose"
    assert _ledger(chair) == before


@pytest.mark.django_db
def test_a_stop_pauses_dosing_until_a_prescriber_clears_it(day, clock) -> None:
    """Systolic above 180 twice, 6 minutes apart (stop_repeat_systolic_mmhg 180 across
    stop_repeat_interval_min 5; academic-clinic-bp-rule): dosing stops."""
    chair = open_chair(day, clock)
    _ready(chair)
    dose, _ = infusion(chair, 0, dose_mg=Decimal("20"))
    chair.vitals(10, systolic_mmhg=185, diastolic_mmhg=100)
    _, view = chair.vitals(16, systolic_mmhg=186, diastolic_mmhg=100)
    assert sorted({a.code for a in view.judgement.open_stops}) == ["bp_stop_sustained"]
    chair.at(17)
    with pytest.raises(Conflict) as refused:
        _injection(chair, 17, "10")
    assert refused.value.message == (
        "dosing is paused by a stop (bp_stop_sustained) until a prescriber clears it"
    )
    # Lowering the rate is always allowed; raising it again waits for the prescriber.
    change, _ = dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("0"), reason="BP 186/100"
    )
    assert change.rate_mg_per_h == Decimal("0.00")
    chair.at(18)
    with pytest.raises(Conflict) as raised:
        dosing.rate_change(
            chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("31"), reason="resume"
        )
    assert raised.value.message == refused.value.message
    assert RateChange.objects.count() == 1
    chair.at(25)
    _, view = _decide(chair, Decision.Kind.STOP_CLEARED, reason="BP 150/90 on recheck")
    assert view.judgement.open_stops == ()
    extra, _ = _injection(chair, 26, "10")
    assert extra.dose_mg == Decimal("10.00")


# --- outside the plan -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rate_above_the_plan_needs_an_order(day, clock) -> None:
    """The plan: 41.3 mg over 40 min at 62 mg/h."""
    chair = open_chair(day, clock)
    _ready(chair)
    before = _ledger(chair)
    with pytest.raises(FieldErrors) as refused:
        infusion(chair, 0, rate_mg_per_h=Decimal("70"))
    assert refused.value.errors == {
        "rate_mg_per_h": "70 mg/h is above the 62 mg/h planned: a prescriber's order with a "
        "reason is needed"
    }
    assert _ledger(chair) == before
    order, _ = _decide(
        chair, Decision.Kind.DOSE_ORDER, detail={"rate_mg_per_h": 70}, reason="shorter infusion"
    )
    dose, _ = infusion(chair, 1, rate_mg_per_h=Decimal("70"))
    assert (dose.rate_mg_per_h, dose.order_id) == (Decimal("70.00"), order.pk)


@pytest.mark.django_db
def test_a_total_above_the_plan_needs_an_order_and_the_dose_names_it(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair)
    first, _ = _injection(chair, 0, "40")
    with pytest.raises(FieldErrors) as refused:
        _injection(chair, 5, "10")
    assert refused.value.errors == {
        "dose_mg": "10 mg brings the session to 50 mg, above the plan's 41.3 mg: a "
        "prescriber's order with a reason is needed"
    }
    order, _ = _decide(
        chair, Decision.Kind.DOSE_ORDER, detail={"dose_mg": 50}, reason="partial response"
    )
    with pytest.raises(FieldErrors) as beyond:
        _injection(chair, 6, "10.5")
    assert list(beyond.value.errors) == ["dose_mg"]
    assert "above the prescriber's order's 50 mg" in beyond.value.errors["dose_mg"]
    second, _ = _injection(chair, 7, "10")
    assert (first.order_id, second.order_id) == (None, order.pk)
    assert Lot.objects.get(pk=chair.stock.ketamine.pk).balance == Decimal("4950.000")


# --- Spravato devices -----------------------------------------------------------------------


@pytest.mark.django_db
def test_spravato_devices_are_numbered_spaced_and_capped_by_the_plan(day, clock) -> None:
    """56 mg: two 28 mg devices, 5 minutes apart (SPRAVATO PI 2.1)."""
    chair = open_chair(day, clock, "esketamine-trd-induction")
    chair.vitals(-3)
    chair.predose(**SPRAVATO_PREDOSE)
    one, _ = _device(chair, 0)
    assert (one.device_number, one.dose_mg, chair.refresh().phase) == (
        1,
        Decimal("28.00"),
        Phase.DOSING,
    )
    before = _ledger(chair)
    with pytest.raises(FieldErrors) as close:
        _device(chair, 3)
    assert close.value.errors == {
        "measured_at": "a device must follow the previous one by at least 5 minutes (label); "
        "this one is 3 min after it"
    }
    assert _ledger(chair) == before
    two, _ = _device(chair, 5)
    assert (two.device_number, chair.refresh().phase) == (2, Phase.OBSERVING)
    with pytest.raises(FieldErrors) as third:
        _device(chair, 10)
    assert third.value.errors["device_number"] == (
        "the plan is 2 device(s); device 3 needs a prescriber's order"
    )
    order, _ = _decide(chair, Decision.Kind.DOSE_ORDER, detail={"dose_mg": 84}, reason="84 mg")
    three, _ = _device(chair, 11)
    assert (three.device_number, three.order_id) == (3, order.pk)
    entries = LedgerEntry.objects.filter(lot=chair.stock.spravato).order_by("id")
    assert [e.quantity for e in entries] == [
        Decimal("12"),
        Decimal("-1"),
        Decimal("-1"),
        Decimal("-1"),
    ]
    assert Lot.objects.get(pk=chair.stock.spravato.pk).balance == Decimal("9.000")


# --- the lot and the witness ----------------------------------------------------------------


def _expired(chair: Chair) -> None:
    Lot.objects.filter(pk=chair.stock.ketamine.pk).update(expires_on=date(2026, 3, 1))


def _small_lot(chair: Chair) -> int:
    ledger.receipt_record(
        chair.cast.actor(chair.cast.owner),
        product_id=chair.stock.ketamine.product_id,
        site_id=chair.day.site.pk,
        lot_number="KV-0001",
        expires_on=date(2027, 1, 31),
        quantity=Decimal("20"),
        received_at=ny(MONDAY, 7),
        supplier="Henry Schein",
        invoice_number="INV-KV-0001",
    )
    return Lot.objects.get(lot_number="KV-0001").pk


LOT_CASES = {
    "expired lot": (
        _expired,
        lambda chair: {},
        {"lot_id": "lot KV-2411 expired on 2026-03-01; it may not be given on 2026-03-02"},
    ),
    "too little left": (
        _small_lot,
        lambda chair: {"lot_id": Lot.objects.get(lot_number="KV-0001").pk},
        {"lot_id": "lot KV-0001 has 20 mg left; 41.3 mg asked"},
    ),
    "a lot of another drug": (
        lambda chair: None,
        lambda chair: {"lot_id": chair.stock.spravato.pk},
        {"lot_id": "this lot is esketamine; the session gives ketamine"},
    ),
    "no lot": (
        lambda chair: None,
        lambda chair: {"lot_id": None},
        {"lot_id": "every dose is drawn from a lot: choose the lot"},
    ),
    "the giver as witness": (
        lambda chair: None,
        lambda chair: {"witness_id": chair.cast.nurse.pk},
        {"witness_id": "the witness must be someone other than the person giving the dose"},
    ),
    "a witness from another clinic": (
        lambda chair: None,
        lambda chair: {"witness_id": chair.cast.outsider.pk},
        {"witness_id": "the witness must be an active prescriber, nurse or owner of the clinic"},
    ),
    "the front desk as witness": (
        lambda chair: None,
        lambda chair: {"witness_id": chair.cast.front_desk.pk},
        {"witness_id": "the witness must be an active prescriber, nurse or owner of the clinic"},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(LOT_CASES), ids=list(LOT_CASES))
def test_a_bad_lot_or_witness_is_refused_with_nothing_written(day, clock, case) -> None:
    chair = open_chair(day, clock)
    arrange, arguments, errors = LOT_CASES[case]
    arrange(chair)
    _ready(chair)
    before = _ledger(chair)
    with pytest.raises(FieldErrors) as refused:
        infusion(chair, 0, **arguments(chair))
    assert refused.value.errors == errors
    assert _ledger(chair) == before
    assert chair.refresh().first_dose_at is None
    assert not AuditEvent.objects.filter(action="session.dose").exists()
    assert _refused() == ["FieldErrors"]


@pytest.mark.django_db
def test_a_witness_of_the_clinic_is_named_on_the_dose(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair)
    dose, _ = infusion(chair, 0, witness_id=chair.cast.prescriber.pk)
    assert (dose.witnessed_by_id, dose.witnessed_by_label) == (
        chair.cast.prescriber.user_id,
        chair.cast.prescriber.user.full_name,
    )


# --- an infusion's rate and end ---------------------------------------------------------------


@pytest.mark.django_db
def test_rate_changes_and_the_end_of_an_infusion(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair)
    dose, _ = infusion(chair, 0)
    assert chair.refresh().phase == Phase.DOSING
    chair.at(12)
    with pytest.raises(FieldErrors) as before_start:
        dosing.rate_change(
            chair.nurse,
            chair.session.pk,
            dose.pk,
            rate_mg_per_h=Decimal("30"),
            reason="nausea",
            measured_at=chair.at(0) - timedelta(minutes=1),
        )
    assert before_start.value.errors == {
        "measured_at": "a rate change comes after the infusion's start and its last change"
    }
    chair.at(12)
    with pytest.raises(FieldErrors) as too_fast:
        dosing.rate_change(
            chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("80"), reason="faster"
        )
    assert list(too_fast.value.errors) == ["rate_mg_per_h"]
    paused, view = dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("0"), reason="nausea"
    )
    chair.at(20)
    dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("31"), reason="settled"
    )
    assert [(c.rate_mg_per_h, c.reason) for c in RateChange.objects.order_by("measured_at")] == [
        (Decimal("0.00"), "nausea"),
        (Decimal("31.00"), "settled"),
    ]
    chair.at(60)
    ended, _ = dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    assert ended.ended_at == chair.at(60)
    assert chair.refresh().phase == Phase.OBSERVING
    assert chair.session.dose_end_at == chair.at(60)
    with pytest.raises(Conflict) as after_end:
        dosing.rate_change(
            chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("10"), reason="again"
        )
    assert after_end.value.message == "this infusion has ended"
    with pytest.raises(Conflict):
        dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    assert RateChange.objects.count() == 2


@pytest.mark.django_db
def test_an_infusion_ends_after_its_last_rate_change(day, clock) -> None:
    chair = open_chair(day, clock)
    _ready(chair)
    dose, _ = infusion(chair, 0)
    chair.at(20)
    dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("31"), reason="slower"
    )
    chair.at(30)
    with pytest.raises(FieldErrors) as refused:
        dosing.dose_end(chair.nurse, chair.session.pk, dose.pk, ended_at=chair.at(15))
    assert refused.value.errors == {
        "ended_at": "the infusion ends after it starts and after its last rate change"
    }
    assert Dose.objects.get(pk=dose.pk).ended_at is None


@pytest.mark.django_db
def test_the_phases_of_a_session(day, clock) -> None:
    chair = open_chair(day, clock)
    assert chair.refresh().phase == Phase.PREDOSE
    _ready(chair)
    assert chair.refresh().phase == Phase.PREDOSE
    dose, _ = infusion(chair, 0)
    session = chair.refresh()
    assert (session.phase, session.first_dose_at, session.dose_end_at) == (
        Phase.DOSING,
        chair.at(0),
        chair.at(0),
    )
    chair.at(40)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    assert chair.refresh().phase == Phase.OBSERVING


@pytest.mark.django_db
def test_todays_weight_sets_the_dose_checked_against(day, clock) -> None:
    """At 90 kg today, 0.5 mg/kg over 40 min is 45 mg at 67.5 mg/h (the plan: 41.3 mg at
    62 mg/h for 82.5 kg): that dose needs no order, a tenth of a milligram more does."""
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.at(-1)
    chair.predose(weight_kg=90)
    with pytest.raises(FieldErrors) as above:
        infusion(chair, 0, dose_mg=Decimal("45.1"), rate_mg_per_h=Decimal("67.5"))
    assert list(above.value.errors) == ["dose_mg"]
    dose, _ = infusion(chair, 0, dose_mg=Decimal("45.0"), rate_mg_per_h=Decimal("67.5"))
    assert (dose.dose_mg, dose.rate_mg_per_h, dose.order_id) == (
        Decimal("45.00"),
        Decimal("67.50"),
        None,
    )
