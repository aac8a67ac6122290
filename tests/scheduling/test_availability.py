"""Free slots for a service and a patient over local days (``availability.free_slots``): the
block inside opening hours, a free chair and performer, the patient's own appointments, a
prescriber on site for Spravato, none before now."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from ketacare.lib.errors import FieldErrors, NotPermitted, NotVisible
from ketacare.scheduling import setup
from ketacare.scheduling.availability import FreeSlot, free_slots

from .appointments import book
from .conftest import MONDAY, Day, ny

INFUSION = "Ketamine IV infusion"


def search(day: Day, service: str, first=MONDAY, last=MONDAY, **kwargs):  # type: ignore[no-untyped-def]
    actor = kwargs.pop("actor", day.cast.front_desk)
    patient = kwargs.pop("patient", day.cast.dan)
    return free_slots(
        day.cast.actor(actor),
        service_id=day.service(service).pk,
        patient_id=patient.pk,
        first=first,
        last=last,
        **kwargs,
    )


def local(slot: FreeSlot) -> tuple[str, str, str, str | None]:
    """A slot as the front desk reads it: local start, chair, performer, prescriber."""
    return (
        slot.start.astimezone(ny(MONDAY, 0).tzinfo).strftime("%a %H:%M"),
        slot.resource.name,
        slot.performer.user.email,
        slot.prescriber.user.email if slot.prescriber else None,
    )


def starts(slots: list[FreeSlot], chair: str = "Chair 1") -> list[str]:
    return [local(s)[0] for s in slots if s.resource.name == chair]


def test_an_infusion_day_has_a_slot_every_quarter_hour_that_ends_by_closing(day: Day) -> None:
    slots = search(day, INFUSION)
    # 08:00 to 16:00: a 115-min block must end by 18:00; 3 chairs at each of 33 starts.
    assert len(slots) == 33 * 3
    assert starts(slots)[:3] == ["Mon 08:00", "Mon 08:15", "Mon 08:30"]
    assert starts(slots)[-1] == "Mon 16:00"
    first = slots[0]
    assert (first.start, first.procedure_end, first.end) == (
        datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 13, 40, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 55, tzinfo=UTC),
    )
    assert {s.site for s in slots} == {day.site}
    assert {s.prescriber for s in slots} == {None}


def test_a_booked_chair_is_not_offered_for_the_block(day: Day) -> None:
    book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10), resource_id=day.chairs[0].pk)
    chair_1 = starts(search(day, INFUSION))
    # Zoë's block is 10:00-11:55: Dan's block may end at 10:00 or start at 11:55 on the grid
    # (12:00), not in between.
    assert "Mon 08:00" in chair_1 and "Mon 08:05" not in chair_1
    assert [s for s in chair_1 if "08:00" <= s[4:] <= "12:00"] == [
        "Mon 08:00",
        "Mon 12:00",
    ]
    assert "Mon 10:00" in starts(search(day, INFUSION), "Chair 2")


def test_the_patients_own_appointments_block_every_chair(day: Day) -> None:
    book(day, day.cast.dan, "Talk therapy", ny(MONDAY, 12))
    slots = search(day, INFUSION)
    # Talk therapy 12:00-13:15 (buffer included): an infusion must end by 12:00 or start after.
    mine = sorted({local(s)[0] for s in slots})
    assert "Mon 10:00" in mine
    assert [s for s in mine if "10:00" < s[4:] < "13:15"] == []
    assert "Mon 13:15" in mine


def test_spravato_is_offered_only_while_a_prescriber_is_on_site(day: Day) -> None:
    cast = day.cast
    setup.hours_exception_add(
        cast.actor(cast.owner),
        site_id=day.site.pk,
        membership_id=cast.prescriber.pk,
        day=MONDAY,
        kind="replace",
        opens=time(12),
        closes=time(16),
        reason="Half day",
    )
    slots = search(day, "Spravato session")
    # The 2 h 15 min block inside 12:00-16:00: 12:00 to 13:45.
    assert sorted({local(s)[0] for s in slots}) == [
        f"Mon {h:02d}:{m:02d}" for h, m in [(12, 0), (12, 15), (12, 30), (12, 45), (13, 0)]
    ] + ["Mon 13:15", "Mon 13:30", "Mon 13:45"]
    assert {local(s)[3] for s in slots} == {"bob@example.com"}


def test_nothing_is_offered_before_now(day: Day, clock: time_machine.Coordinates) -> None:
    clock.move_to(ny(MONDAY, 10, 7))
    assert starts(search(day, INFUSION))[0] == "Mon 10:15"


def test_a_range_of_days_skips_the_weekend_and_keeps_local_times_across_dst(day: Day) -> None:
    """Thursday 5 to Monday 9 March: the clocks change on Sunday 8 March."""
    slots = search(
        day, "Talk therapy", first=MONDAY + timedelta(days=3), last=MONDAY + timedelta(days=7)
    )
    firsts = {}
    for slot in slots:
        firsts.setdefault(slot.start.astimezone(ny(MONDAY, 0).tzinfo).date(), slot.start)
    assert firsts == {
        MONDAY + timedelta(days=3): datetime(2026, 3, 5, 13, 0, tzinfo=UTC),
        MONDAY + timedelta(days=4): datetime(2026, 3, 6, 13, 0, tzinfo=UTC),
        MONDAY + timedelta(days=7): datetime(2026, 3, 9, 12, 0, tzinfo=UTC),
    }


def test_a_range_is_checked(day: Day) -> None:
    with pytest.raises(FieldErrors) as backwards:
        search(day, INFUSION, first=MONDAY, last=MONDAY - timedelta(days=1))
    assert backwards.value.errors == {"to": "must not be before from (2026-03-02)"}
    with pytest.raises(FieldErrors) as too_long:
        search(day, INFUSION, first=MONDAY, last=MONDAY + timedelta(days=62))
    assert too_long.value.errors == {"to": "a search covers at most 62 days"}
    assert search(day, INFUSION, first=MONDAY, last=MONDAY + timedelta(days=61))


def test_an_inactive_service_has_no_availability(day: Day) -> None:
    service = day.service("IV hydration")
    setup.service_update(
        day.cast.actor(day.cast.owner), service.pk, expected_version=1, data={"is_active": False}
    )
    with pytest.raises(FieldErrors) as refused:
        search(day, "IV hydration")
    assert refused.value.errors == {"service": "no such service offered by this clinic"}


def test_a_patient_may_not_search_and_another_clinics_patient_is_not_visible(day: Day) -> None:
    with pytest.raises(NotPermitted):
        search(day, INFUSION, actor=day.cast.dan_login)
    with pytest.raises(NotVisible):
        search(day, INFUSION, actor=day.cast.dan_login, patient=day.cast.zoe)
    with pytest.raises(NotVisible):
        search(day, INFUSION, patient=day.cast.erin)
