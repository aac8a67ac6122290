"""Free slots: chair for the block, performer for the procedure, prescriber on site, patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols.service_types import load_services
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Resource, ServiceSpec, Slot, Staff, find_slots

NY = "America/New_York"
NURSE = frozenset({"nurse"})
PRESCRIBER = frozenset({"prescriber"})
INFUSION = ServiceSpec(
    "ketamine_infusion", 40, NURSE, recovery_min=60, buffer_min=15, resource_kind="chair"
)


def local(hour: int, minute: int = 0, day: int = 9) -> datetime:
    """Monday 2026-03-09 in New York is EDT (UTC-4)."""
    return datetime(2026, 3, day, hour + 4, minute, tzinfo=UTC)


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


OPEN = [span(local(9), local(17))]


def nurse(ident: str = "n1", **kwargs: tuple[Interval, ...]) -> Staff:
    return Staff(
        ident, NURSE, working=kwargs.pop("working", (span(local(9), local(17)),)), **kwargs
    )


def search(
    service: ServiceSpec = INFUSION,
    window: Interval | None = None,
    resources: tuple[Resource, ...] = (Resource("c1", "chair"),),
    staff: tuple[Staff, ...] = (),
    patient_busy: tuple[Interval, ...] = (),
    **kwargs: object,
) -> list[Slot]:
    return find_slots(
        service,
        window or span(local(9), local(10)),
        opening=kwargs.pop("opening", OPEN),  # type: ignore[arg-type]
        resources=resources,
        staff=staff or (nurse(),),
        patient_busy=patient_busy,
        time_zone=kwargs.pop("time_zone", NY),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def starts(slots: list[Slot]) -> list[tuple[datetime, str]]:
    return [(slot.start, slot.resource_id) for slot in slots]


def test_a_free_day_gives_every_grid_start_with_the_block_and_procedure_ends() -> None:
    """Block = duration + recovery + buffer, on a 15-minute local grid (issue 12, Services;
    docs/scheduling.md)."""
    slots = search()
    assert slots == [
        Slot(local(9), local(10, 55), local(9, 40), "c1", "n1", None),
        Slot(local(9, 15), local(11, 10), local(9, 55), "c1", "n1", None),
        Slot(local(9, 30), local(11, 25), local(10, 10), "c1", "n1", None),
        Slot(local(9, 45), local(11, 40), local(10, 25), "c1", "n1", None),
    ]


def test_the_block_must_end_before_closing() -> None:
    """The whole block, recovery and buffer included, lies in opening hours (issue 12): a
    115-minute block starting 15:00 ends 16:55; 15:15 would end after 17:00."""
    slots = search(window=span(local(14), local(17)))
    assert [slot.start for slot in slots] == [
        local(14),
        local(14, 15),
        local(14, 30),
        local(14, 45),
        local(15),
    ]


def test_a_chair_busy_anywhere_in_the_block_is_skipped_and_less_booked_chairs_come_first() -> None:
    """The chair is held for the whole block including observation (issue 12, Booking);
    the least-booked chair first, then by id (docs/scheduling.md)."""
    busy_c1 = Resource("c1", "chair", busy=(span(local(10, 30), local(11)),))
    slots = search(resources=(busy_c1, Resource("c2", "chair"), Resource("r1", "room")))
    assert starts(slots) == [
        (local(9), "c2"),
        (local(9, 15), "c2"),
        (local(9, 30), "c2"),
        (local(9, 45), "c2"),
    ]
    twice = Resource("c0", "chair", busy=(span(local(14), local(15)), span(local(15), local(16))))
    slots = search(
        window=span(local(11), local(11, 15)), resources=(twice, busy_c1, Resource("c2", "chair"))
    )
    assert starts(slots) == [(local(11), "c2"), (local(11), "c1"), (local(11), "c0")]


def test_touching_a_booked_block_is_free() -> None:
    """Half-open blocks: one ending 10:00 and one starting 10:00 do not clash."""
    chair = Resource("c1", "chair", busy=(span(local(8), local(10)),))
    assert starts(search(resources=(chair,), window=span(local(9), local(10, 1)))) == [
        (local(10), "c1")
    ]


def test_the_performer_is_taken_for_the_procedure_only() -> None:
    """A nurse performing 09:00-09:40 elsewhere may start this patient at 09:45 while the
    first recovers; performing is exclusive, watching a recovery is not (docs/scheduling.md)."""
    busy = nurse(busy=(span(local(9), local(9, 40)),))
    assert [slot.start for slot in search(staff=(busy,))] == [local(9, 45)]


def test_performer_needs_the_role_and_working_time_and_ties_go_to_the_least_booked() -> None:
    """Which roles can perform a service is the service's (issue 12, Services); the
    least-booked able performer, then the smaller id (docs/scheduling.md)."""
    receptionist = Staff("a0", frozenset({"front_desk"}), working=(span(local(9), local(17)),))
    late = nurse("n0", working=(span(local(9, 30), local(17)),))
    booked = nurse("n1", busy=(span(local(15), local(16)),))
    free = nurse("n2")
    slots = search(staff=(receptionist, late, booked, free))
    assert [(slot.start, slot.performer_id) for slot in slots] == [
        (local(9), "n2"),
        (local(9, 15), "n2"),
        (local(9, 30), "n0"),
        (local(9, 45), "n0"),
    ]


def test_no_performer_no_slot() -> None:
    """Without anyone able to perform it there is nothing to book (issue 12, Booking)."""
    receptionist = Staff("a0", frozenset({"front_desk"}), working=(span(local(9), local(17)),))
    assert search(staff=(receptionist,)) == []


SPRAVATO = ServiceSpec.from_service_type(
    load_services()["esketamine_session"],
    duration_min=15,
    recovery_min=105,
    buffer_min=15,
    performer_roles=NURSE,
)


def test_spravato_needs_a_prescriber_present_for_the_whole_block() -> None:
    """SPRAVATO REMS: a prescriber on site during administration and monitoring; the chair
    block is 2 h from the first device plus the buffer (issue 12, Spravato rules)."""
    prescriber = Staff("p1", PRESCRIBER, working=(span(local(9), local(11, 30)),))
    slots = search(SPRAVATO, staff=(nurse(), prescriber))
    assert slots == [
        Slot(local(9), local(11, 15), local(9, 15), "c1", "n1", "p1"),
        Slot(local(9, 15), local(11, 30), local(9, 30), "c1", "n1", "p1"),
    ]
    assert search(SPRAVATO, staff=(nurse(),)) == []


def test_presence_is_not_exclusive_but_a_blocked_prescriber_is_absent() -> None:
    """Being on site may overlap the prescriber's own appointments; a block (a meeting off
    the floor) removes presence (docs/scheduling.md, SPRAVATO REMS prescriber on site)."""
    performing = Staff(
        "p1",
        PRESCRIBER,
        working=(span(local(9), local(17)),),
        busy=(span(local(9), local(12)),),
        blocked=(span(local(9), local(9, 10)),),
    )
    slots = search(SPRAVATO, staff=(nurse(), performing))
    assert [(slot.start, slot.prescriber_id) for slot in slots] == [
        (local(9, 15), "p1"),
        (local(9, 30), "p1"),
        (local(9, 45), "p1"),
    ]


def test_spravato_block_shorter_than_two_hours_is_refused() -> None:
    """SPRAVATO REMS: monitoring at least 2 h from the first device (services.toml
    min_chair_block_min = 120)."""
    with pytest.raises(ClinicalInputError) as raised:
        ServiceSpec.from_service_type(
            load_services()["esketamine_session"],
            duration_min=15,
            recovery_min=60,
            performer_roles=NURSE,
        )
    assert str(raised.value) == (
        "recovery_min: duration + recovery is 75 min; this service needs at least 120 min "
        "from the start to the end of monitoring"
    )


def test_a_booked_patient_is_not_offered_an_overlapping_block() -> None:
    """No double booking of the patient (issue 12, Booking): 09:45 would run to 11:40."""
    patient = (span(local(11, 30), local(12)),)
    assert [slot.start for slot in search(patient_busy=patient)] == [
        local(9),
        local(9, 15),
        local(9, 30),
    ]


def test_not_before_moves_the_first_start() -> None:
    """Nothing starts before the earliest moment given (docs/scheduling.md)."""
    slots = search(not_before=local(9, 20))
    assert [slot.start for slot in slots] == [local(9, 30), local(9, 45)]


def test_the_grid_is_local_time_in_a_half_hour_zone() -> None:
    """The step grid counts from local midnight: 09:00 in Asia/Kolkata (UTC+5:30) is 03:30
    UTC, not a whole UTC hour (docs/scheduling.md)."""
    opening = [span(datetime(2026, 3, 9, 3, 30, tzinfo=UTC), datetime(2026, 3, 9, 11, tzinfo=UTC))]
    slots = search(
        window=span(datetime(2026, 3, 9, 3, tzinfo=UTC), datetime(2026, 3, 9, 6, tzinfo=UTC)),
        opening=opening,
        staff=(Staff("n1", NURSE, working=tuple(opening)),),
        time_zone="Asia/Kolkata",
        step_min=60,
    )
    assert [slot.start for slot in slots] == [
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 4, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 5, 30, tzinfo=UTC),
    ]


def test_the_grid_keeps_local_times_on_the_day_clocks_go_forward() -> None:
    """Sunday 2026-03-08 09:00 in New York is EDT, 13:00 UTC (issue 12, Time)."""
    opening = [span(datetime(2026, 3, 8, 13, tzinfo=UTC), datetime(2026, 3, 8, 21, tzinfo=UTC))]
    slots = search(
        window=span(datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 8, 13, 31, tzinfo=UTC)),
        opening=opening,
        staff=(Staff("n1", NURSE, working=tuple(opening)),),
    )
    assert [slot.start for slot in slots] == [
        datetime(2026, 3, 8, 13, tzinfo=UTC),
        datetime(2026, 3, 8, 13, 15, tzinfo=UTC),
        datetime(2026, 3, 8, 13, 30, tzinfo=UTC),
    ]


def test_bad_step_duplicate_ids_and_bad_minutes_are_refused() -> None:
    """Bad input names the field and the allowed range (DESIGN.md, Conventions)."""
    with pytest.raises(ClinicalInputError) as raised:
        search(step_min=7)
    assert str(raised.value) == (
        "step_min: 7 must divide a day (1440 min) so the grid restarts each day"
    )
    with pytest.raises(ClinicalInputError) as raised:
        search(resources=(Resource("c1", "chair"), Resource("c1", "room")))
    assert str(raised.value) == "resources: id 'c1' appears twice"
    with pytest.raises(ClinicalInputError) as raised:
        ServiceSpec("x", 0, NURSE)
    assert str(raised.value) == "duration_min: 0 must be a whole number of minutes from 1 to 1440"
    with pytest.raises(ClinicalInputError) as raised:
        ServiceSpec("x", 30, frozenset())
    assert str(raised.value) == "performer_roles: name at least one role that performs it"


def test_block_minutes_add_up() -> None:
    """Block = duration + recovery/observation + buffer (issue 12, Services)."""
    assert INFUSION.block_min == 115
    assert SPRAVATO.block_min == 135
    assert SPRAVATO.prescriber_on_site is True
    assert SPRAVATO.resource_kind == "chair"
    assert timedelta(minutes=SPRAVATO.min_monitored_min or 0) == timedelta(hours=2)
