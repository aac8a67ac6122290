"""The demo's history is truthful: seeded on 22 November 2026, its events are spread over the
nine months before, in order, and the audit log says the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import verify_chain
from ketacare.clinical.ranges import bmi_is_unusual
from ketacare.demo.seed import seed_demo
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import BodyMeasurement, Patient, RelatedPerson
from ketacare.screening.models import Intake
from ketacare.treatment.models import TreatmentPlan

SEEDED_AT = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)  # noon in Boston
TODAY = dt.date(2026, 11, 22)
BOSTON = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Seed once for the module (15 s), inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        with time_machine.travel(SEEDED_AT, tick=False):
            seed_demo()
        yield
        transaction.set_rollback(True)


def _local_day(moment: dt.datetime, patient: Patient) -> dt.date:
    return moment.astimezone(patient.clinic.tz).date()


def _zoe() -> Patient:
    return Patient.objects.select_related("clinic").get(clinic__slug="demo", mrn="KC000001")


@pytest.mark.django_db
def test_intakes_span_months_not_the_seeding_day(seeded: None) -> None:
    days = sorted(
        _local_day(intake.recorded_at, intake.patient)
        for intake in Intake.objects.select_related("patient__clinic")
    )
    assert len(days) == 26
    assert (days[0], days[-1]) == (dt.date(2026, 4, 15), dt.date(2026, 11, 19))
    assert (days[-1] - days[0]).days >= 120
    assert days[-1] < TODAY


@pytest.mark.django_db
def test_zoe_s_phq9_scores_are_weeks_apart_in_order(seeded: None) -> None:
    zoe = _zoe()
    scores = [
        (_local_day(r.administered_at, zoe), r.context, r.total)
        for r in QuestionnaireResponse.objects.filter(patient=zoe, instrument_id="phq9").order_by(
            "administered_at", "id"
        )
    ]
    assert scores == ZOE_PHQ9
    days = [day for day, _, _ in scores]
    assert min(later - earlier for earlier, later in pairwise(days)) == dt.timedelta(days=6)


@pytest.mark.django_db
def test_every_plan_is_drafted_after_its_screening_and_signed_after_that(seeded: None) -> None:
    plans = list(TreatmentPlan.objects.select_related("screening", "patient__clinic"))
    assert len(plans) == 17
    for plan in plans:
        assert plan.screening.computed_at < plan.created_at, plan.patient.mrn
        if plan.signed_at is not None:
            assert plan.created_at < plan.signed_at, plan.patient.mrn
    zoe = _zoe()
    plan = TreatmentPlan.objects.get(patient=zoe)
    assert (
        _local_day(plan.screening.computed_at, zoe),
        _local_day(plan.created_at, zoe),
        _local_day(plan.signed_at, zoe),  # type: ignore[arg-type]
        plan.protocol_id,
    ) == ZOE_PLAN


@pytest.mark.django_db
def test_one_plan_has_a_second_signed_version_weeks_later(seeded: None) -> None:
    versions = list(
        TreatmentPlan.objects.filter(previous__isnull=False).values_list(
            "patient__mrn", "plan_version", "status", "change_reason", "previous__status"
        )
    )
    assert versions == [
        (
            REVISED_MRN,
            2,
            "signed",
            "Partial response at week 4: sleep and exercise plan added to the course.",
            "superseded",
        )
    ]
    revised = TreatmentPlan.objects.get(patient__mrn=REVISED_MRN, plan_version=2)
    first = revised.previous
    assert first is not None and first.signed_at is not None and revised.signed_at is not None
    assert revised.signed_at - first.signed_at >= dt.timedelta(days=28)


@pytest.mark.django_db
def test_the_audit_log_spans_the_same_months_in_order_and_verifies(seeded: None) -> None:
    assert verify_chain().ok
    for chain in AuditEvent.objects.values_list("chain", flat=True).distinct():
        times = list(
            AuditEvent.objects.filter(chain=chain)
            .order_by("seq")
            .values_list("occurred_at", flat=True)
        )
        assert times == sorted(times), f"chain {chain} is not in time order"
    first, last = (
        AuditEvent.objects.filter(clinic_id__isnull=False).order_by(field).first()
        for field in ("occurred_at", "-occurred_at")
    )
    assert first is not None and last is not None
    assert first.occurred_at.astimezone(BOSTON).date() == TODAY - dt.timedelta(days=270)
    # The last: today's session in progress, charted until minutes before the seed ran.
    assert last.occurred_at.astimezone(BOSTON).date() == TODAY
    assert last.action == "session.vitals"
    zoe = _zoe()
    days = {
        e.occurred_at.astimezone(BOSTON).date()
        for e in AuditEvent.objects.filter(patient_id=zoe.pk, action="questionnaire.record")
    }
    assert sorted(days) == sorted({day for day, _, _ in ZOE_PHQ9})


@pytest.mark.django_db
def test_an_alert_was_raised_and_acknowledged_on_their_days_and_one_is_open(seeded: None) -> None:
    rows = [
        (
            alert.patient.mrn,
            _local_day(alert.created_at, alert.patient),
            alert.acknowledged_at and _local_day(alert.acknowledged_at, alert.patient),
        )
        for alert in Alert.objects.select_related("patient__clinic").order_by("created_at", "id")
    ]
    assert rows == ALERTS


@pytest.mark.django_db
def test_phone_numbers_are_fictional_and_local_to_each_clinic(seeded: None) -> None:
    phones = dict(Patient.objects.filter(clinic__slug="demo-lakeside").values_list("mrn", "phone"))
    # 55 Shore Drive, Chicago 60611: area code 312.
    assert phones == {
        "KC000001": "+1 312 555 0141",
        "KC000002": "+1 312 555 0142",
        "KC000003": "+1 312 555 0143",
    }
    boston = Patient.objects.filter(clinic__slug="demo").values_list("phone", flat=True)
    assert sorted(boston) == [f"+1 617 555 01{n:02d}" for n in range(1, 41)]
    for phone in RelatedPerson.objects.values_list("phone", flat=True):
        assert phone[:7] in ("+1 857 ", "+1 781 ", "+1 773 ", "+1 312 "), phone
        assert phone[7:11] == "555 " and 100 <= int(phone[11:]) <= 199, phone


@pytest.mark.django_db
def test_every_bmi_is_plausible_and_exactly_one_is_flagged(seeded: None) -> None:
    latest: dict[str, float] = {}
    for row in BodyMeasurement.objects.select_related("patient__clinic").order_by(
        "-measured_on", "-created_at"
    ):
        key = f"{row.patient.clinic.slug}/{row.patient.mrn}"
        bmi = row.bmi_kg_per_m2
        assert bmi is not None and 15 <= bmi <= 50, (key, bmi)
        latest.setdefault(key, bmi)
    assert len(latest) == 43
    assert {key: bmi for key, bmi in latest.items() if bmi_is_unusual(bmi)} == {
        "demo/KC000021": UNUSUAL_BMI
    }
    noor = Patient.objects.get(clinic__slug="demo", mrn="KC000021")
    assert (noor.given_name, noor.family_name) == ("Noor", "Haddad")


@pytest.mark.django_db
def test_weights_change_over_the_months(seeded: None) -> None:
    weights = list(
        BodyMeasurement.objects.filter(patient=_zoe())
        .order_by("measured_on")
        .values_list("measured_on", "weight_kg")
    )
    assert weights == ZOE_WEIGHTS


D = dt.date
#: Zoë Ðorđević (KC000001): screened at her first visit, a Spravato plan signed five days later,
#: PHQ-9 weekly through induction and every four weeks since.
ZOE_PHQ9 = [
    (D(2026, 6, 15), "intake", 18),
    (D(2026, 6, 28), "clinic", 15),
    (D(2026, 7, 4), "clinic", 12),
    (D(2026, 7, 12), "clinic", 13),
    (D(2026, 7, 19), "clinic", 11),
    (D(2026, 7, 26), "clinic", 9),
    (D(2026, 8, 2), "clinic", 6),
    (D(2026, 8, 29), "clinic", 6),
    (D(2026, 9, 26), "clinic", 5),
    (D(2026, 10, 24), "clinic", 6),
    (D(2026, 11, 21), "clinic", 2),
]
ZOE_PLAN = (D(2026, 6, 15), D(2026, 6, 20), D(2026, 6, 20), "esketamine-trd-induction")
ZOE_WEIGHTS = [
    (D(2026, 6, 15), Decimal("73.3")),
    (D(2026, 8, 14), Decimal("75.2")),
    (D(2026, 10, 13), Decimal("76.1")),
]
REVISED_MRN = "KC000008"
#: A follow-up PHQ-9 item 9 acknowledged the next day; the screened patient's two (PHQ-9 and
#: C-SSRS screener) still open.
ALERTS = [
    ("KC000010", D(2026, 5, 4), D(2026, 5, 5)),
    ("KC000019", D(2026, 11, 3), None),
    ("KC000019", D(2026, 11, 3), None),
]
UNUSUAL_BMI = 42.8
