"""Opening a session: the versions it keeps, when it may open, the plan it opens under, the
Spravato REMS form it starts, and who may open it."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from ketacare.accounts.clinic_rules import current_settings_version
from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible
from ketacare.scheduling import booking
from ketacare.sessions import services
from ketacare.sessions.models import Phase, RemsForm, TreatmentSession
from ketacare.treatment.models import TreatmentPlan
from tests.scheduling.conftest import MONDAY, add_escort, ny, signed_plan

from .world import START, open_chair


def _booked(day, clock, *, with_plan: bool = True, check_in: bool = True):
    """Dan's appointment at 09:00; without a plan it was booked before his plan was signed
    (booking picks the patient's one signed plan itself)."""
    cast = day.cast
    add_escort(cast)
    desk = cast.actor(cast.front_desk)
    plan = signed_plan(cast) if with_plan else None
    appointment = booking.appointment_book(
        desk,
        cast.dan.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=START,
        plan_id=plan.pk if plan else None,
    )
    if plan is None:
        plan = signed_plan(cast)
    assert appointment.plan_id == (plan.pk if with_plan else None)
    clock.move_to((START - timedelta(minutes=10)).astimezone(UTC))
    if check_in:
        booking.appointment_check_in(desk, appointment.pk)
    return plan, appointment


def _refusals(action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="write.refused", data__attempted=action).order_by("id")
    )


@pytest.mark.django_db
def test_the_session_keeps_the_plan_protocol_and_settings_versions(day, clock) -> None:
    chair = open_chair(day, clock)
    session = TreatmentSession.objects.get(pk=chair.session.pk)
    assert (
        session.plan_id,
        session.plan_version,
        session.protocol_id,
        session.protocol_version,
        session.settings_version_id,
        session.drug,
        session.route,
        session.weight_kg,
        session.phase,
        session.chair_id,
        session.started_at,
    ) == (
        chair.plan.pk,
        1,
        "depression-iv-induction",
        1,
        current_settings_version(chair.cast.clinic.pk).pk,
        "ketamine",
        "iv",
        chair.plan.weight_kg,
        Phase.PREDOSE,
        chair.appointment.resource_id,
        ny(MONDAY, 8, 55),
    )
    event = AuditEvent.objects.get(action="session.start")
    assert event.data == {
        "appointment": chair.appointment.pk,
        "plan": chair.plan.pk,
        "plan_version": 1,
        "protocol": "depression-iv-induction v1",
        "settings_version": session.settings_version.number,
    }
    # A racemic session has no REMS form.
    assert not RemsForm.objects.exists()


@pytest.mark.django_db
def test_an_appointment_not_checked_in_is_refused(day, clock) -> None:
    _, appointment = _booked(day, clock, check_in=False)
    nurse = day.cast.actor(day.cast.nurse)
    with pytest.raises(Conflict) as refused:
        services.session_start(nurse, appointment.pk)
    assert refused.value.field == "appointment"
    assert "check the patient in first" in refused.value.message
    assert not TreatmentSession.objects.exists()
    assert [e.data["refused"] for e in _refusals("session.start")] == ["Conflict"]


@pytest.mark.django_db
def test_a_second_start_of_the_same_appointment_is_refused(day, clock) -> None:
    chair = open_chair(day, clock)
    with pytest.raises(Conflict) as refused:
        services.session_start(chair.nurse, chair.appointment.pk)
    assert refused.value.message == "this appointment's session is already open"
    assert TreatmentSession.objects.count() == 1


@pytest.mark.django_db
def test_a_one_off_appointment_opens_under_the_plan_chosen(day, clock) -> None:
    plan, appointment = _booked(day, clock, with_plan=False)
    nurse = day.cast.actor(day.cast.nurse)
    with pytest.raises(FieldErrors) as refused:
        services.session_start(nurse, appointment.pk)
    assert refused.value.errors == {
        "plan_id": "this appointment has no plan: choose the patient's signed plan"
    }
    assert not TreatmentSession.objects.exists()
    session = services.session_start(nurse, appointment.pk, plan_id=plan.pk)
    assert (session.plan_id, session.plan_version) == (plan.pk, plan.plan_version)


@pytest.mark.django_db
def test_a_booked_plan_cannot_be_swapped_at_the_chair(day, clock) -> None:
    plan, appointment = _booked(day, clock)
    nurse = day.cast.actor(day.cast.nurse)
    other = TreatmentPlan.objects.get(pk=plan.pk)
    other.pk = None
    other.plan_version = 2
    other.previous = None
    other.save()
    with pytest.raises(FieldErrors) as refused:
        services.session_start(nurse, appointment.pk, plan_id=other.pk)
    assert set(refused.value.errors) == {"plan_id"}
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
def test_an_unsigned_or_another_patients_plan_is_refused(day, clock) -> None:
    plan, appointment = _booked(day, clock, with_plan=False)
    nurse = day.cast.actor(day.cast.nurse)
    draft = TreatmentPlan.objects.get(pk=plan.pk)
    draft.pk = None
    draft.previous = None
    draft.status = TreatmentPlan.Status.DRAFT
    draft.save()
    zoes = TreatmentPlan.objects.get(pk=plan.pk)
    zoes.pk = None
    zoes.previous = None
    zoes.patient = day.cast.zoe
    zoes.save()
    with pytest.raises(FieldErrors) as unsigned:
        services.session_start(nurse, appointment.pk, plan_id=draft.pk)
    assert unsigned.value.errors == {"plan_id": "the plan is draft; a session needs a signed plan"}
    with pytest.raises(FieldErrors) as foreign:
        services.session_start(nurse, appointment.pk, plan_id=zoes.pk)
    assert foreign.value.errors == {"plan_id": "no such plan for this patient"}
    assert not TreatmentSession.objects.exists()
    assert [e.data["refused"] for e in _refusals("session.start")] == [
        "FieldErrors",
        "FieldErrors",
    ]


@pytest.mark.django_db
def test_a_spravato_session_starts_its_rems_form_due_seven_local_days_later(day, clock) -> None:
    chair = open_chair(day, clock, "esketamine-trd-induction")
    form = RemsForm.objects.get(session=chair.session)
    assert (form.due_on, form.clinic_id, form.submitted_at) == (
        date(2026, 3, 9),
        chair.cast.clinic.pk,
        None,
    )


@pytest.mark.django_db
def test_the_rems_due_date_counts_local_days_across_the_dst_change(day, clock) -> None:
    """Opened 20:30 New York time on Saturday 7 March (01:30 UTC on the 8th, the night of
    the spring-forward): due on the 14th, 7 New York days later, not the UTC date's 15th."""
    from ketacare.sessions.rems_due import rems_due_on

    opened = ny(date(2026, 3, 7), 20, 30)
    assert opened.astimezone(UTC).date() == date(2026, 3, 8)
    assert rems_due_on(opened, "America/New_York") == date(2026, 3, 14)


@pytest.mark.django_db
def test_the_front_desk_may_not_open_a_session(day, clock) -> None:
    _, appointment = _booked(day, clock)
    desk = day.cast.actor(day.cast.front_desk)
    with pytest.raises(NotPermitted):
        services.session_start(desk, appointment.pk)
    assert not TreatmentSession.objects.exists()
    assert not AuditEvent.objects.filter(action="session.start").exists()
    (refusal,) = _refusals("session.start")
    assert (refusal.outcome, refusal.actor_id, refusal.data["refused"]) == (
        "refused",
        day.cast.front_desk.user_id,
        "NotPermitted",
    )


@pytest.mark.django_db
def test_another_clinics_staff_do_not_see_the_appointment(day, clock) -> None:
    _, appointment = _booked(day, clock)
    with pytest.raises(NotVisible):
        services.session_start(day.cast.actor(day.cast.outsider), appointment.pk)
    assert not TreatmentSession.objects.exists()
    assert [e.data["refused"] for e in _refusals("session.start")] == ["NotVisible"]
