"""Setting up the calendar (owners only): the starting services, a service's minutes kept
within the core's rules of its type, chairs and rooms, opening and working hours, leave."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from ketacare.accounts import services as accounts
from ketacare.accounts.models import Role, Site
from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import FieldErrors, NotPermitted, NotVisible, StaleVersion
from ketacare.scheduling import setup
from ketacare.scheduling.models import HoursException, Resource, Service, WeeklyHours
from tests.conftest import PASSWORD, SETUP, Cast

from .appointments import book, refused_and_unwritten
from .conftest import MONDAY, WEEKDAYS, Day, ny

NURSE_OR_PRESCRIBER = ["nurse", "prescriber"]
#: name: (type, duration, recovery, buffer, chair or room, roles, prescriber on site, REMS,
#: ride home, protocols). Infusions: each protocol's infusion minutes; racemic observation
#: 60 min (the clinic setting's default); Spravato 15 min of devices + 105 = 2 h (SPRAVATO PI,
#: REMS); turnover 15 min (ketacare-placeholder).
SEEDED: dict[str, tuple[Any, ...]] = {
    "Free consultation": (
        "consultation",
        30,
        0,
        15,
        "room",
        ["prescriber"],
        False,
        False,
        False,
        [],
    ),
    "Ketamine IV infusion": (
        "ketamine_infusion",
        40,
        60,
        15,
        "chair",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        True,
        [
            "depression-iv-induction",
            "depression-iv-maintenance",
            "ptsd-iv-induction",
            "suicidal-ideation-iv",
        ],
    ),
    "Ketamine IV infusion (4 h)": (
        "ketamine_infusion",
        240,
        60,
        15,
        "chair",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        True,
        ["crps-iv-10-day", "pain-iv-outpatient-4h"],
    ),
    "Spravato session": (
        "esketamine_session",
        15,
        105,
        15,
        "chair",
        NURSE_OR_PRESCRIBER,
        True,
        True,
        True,
        [
            "esketamine-mdsi",
            "esketamine-trd-induction",
            "esketamine-trd-induction-65-plus",
            "esketamine-trd-maintenance",
            "esketamine-trd-maintenance-65-plus",
        ],
    ),
    "Ketamine IM injection": (
        "ketamine_im_injection",
        15,
        60,
        15,
        "chair",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        True,
        ["depression-im"],
    ),
    "Ketamine nasal spray (in clinic)": (
        "ketamine_intranasal",
        15,
        60,
        15,
        "chair",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        True,
        ["depression-intranasal-racemic"],
    ),
    "IV hydration": ("iv_hydration", 60, 0, 15, "chair", ["nurse"], False, False, False, []),
    "Acupuncture": ("acupuncture", 60, 0, 15, "room", NURSE_OR_PRESCRIBER, False, False, False, []),
    "Talk therapy": (
        "talk_therapy",
        60,
        0,
        15,
        "room",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        False,
        [],
    ),
    "Integration session": (
        "integration_session",
        60,
        0,
        15,
        "room",
        NURSE_OR_PRESCRIBER,
        False,
        False,
        False,
        [],
    ),
    "Follow-up visit": ("follow_up", 30, 0, 15, "room", ["prescriber"], False, False, False, []),
}


def seeded(clinic_id: int) -> dict[str, tuple[Any, ...]]:
    return {
        s.name: (
            s.service_type,
            s.duration_min,
            s.recovery_min,
            s.buffer_min,
            s.resource_kind,
            s.performer_roles,
            s.prescriber_on_site,
            s.needs_rems_enrolment,
            s.needs_ride_home,
            s.protocol_ids,
        )
        for s in Service.objects.filter(clinic_id=clinic_id)
    }


def test_the_starting_services_are_seeded_once(cast: Cast) -> None:
    owner = cast.actor(cast.owner)
    created = setup.services_seed(owner)
    assert [s.name for s in created] == list(SEEDED)
    assert seeded(cast.clinic.pk) == SEEDED
    assert {s.is_active for s in created} == {True}
    spravato = AuditEvent.objects.get(action="service.create", target_id=str(created[3].pk))
    assert spravato.data == {"sources": ["spravato-pi", "spravato-rems"]}
    events = AuditEvent.objects.count()
    assert setup.services_seed(owner) == []
    assert Service.objects.filter(clinic=cast.clinic).count() == len(SEEDED)
    assert AuditEvent.objects.count() == events


def test_seeding_keeps_a_service_the_clinic_already_changed(cast: Cast) -> None:
    owner = cast.actor(cast.owner)
    therapy = next(s for s in setup.services_seed(owner) if s.name == "Talk therapy")
    setup.service_update(owner, therapy.pk, expected_version=1, data={"duration_min": 45})
    Service.objects.filter(name="Acupuncture").delete()
    again = setup.services_seed(owner)
    assert [s.name for s in again] == ["Acupuncture"]
    therapy.refresh_from_db()
    assert (therapy.duration_min, therapy.version) == (45, 2)


def test_another_clinic_seeds_its_own(cast: Cast) -> None:
    setup.services_seed(cast.actor(cast.owner))
    user = accounts.user_create(
        SETUP, email="lee@example.com", full_name="Lee Lakeside", password=PASSWORD
    )
    other_owner = accounts.membership_create(
        SETUP, user=user, clinic=cast.other_clinic, role=Role.OWNER
    )
    setup.services_seed(cast.actor(other_owner))
    assert seeded(cast.other_clinic.pk) == seeded(cast.clinic.pk) == SEEDED


def test_a_spravato_block_under_two_hours_is_refused_naming_recovery_min(day: Day) -> None:
    spravato = day.service("Spravato session")
    with refused_and_unwritten("service.update"), pytest.raises(FieldErrors) as refused:
        setup.service_update(
            day.cast.actor(day.cast.owner),
            spravato.pk,
            expected_version=1,
            data={"recovery_min": 90},
        )
    assert refused.value.errors == {
        "recovery_min": "duration + recovery is 105 min; Spravato (esketamine) session needs "
        "at least 120 min from the start to the end of monitoring (SPRAVATO REMS)"
    }
    # Longer devices time with less recovery is fine while the 2 h hold.
    changed = setup.service_update(
        day.cast.actor(day.cast.owner),
        spravato.pk,
        expected_version=1,
        data={"duration_min": 20, "recovery_min": 100},
    )
    assert (changed.block_min, changed.version) == (135, 2)
    event = AuditEvent.objects.get(action="service.update")
    assert event.changes == {"duration_min": [15, 20], "recovery_min": [105, 100]}


def test_a_room_for_a_chair_service_is_refused(day: Day) -> None:
    infusion = day.service("Ketamine IV infusion")
    with refused_and_unwritten("service.update"), pytest.raises(FieldErrors) as refused:
        setup.service_update(
            day.cast.actor(day.cast.owner),
            infusion.pk,
            expected_version=1,
            data={"resource_kind": "room"},
        )
    assert refused.value.errors == {
        "resource_kind": "Ketamine IV infusion needs a chair (monitoring)"
    }


def test_spravato_without_a_prescriber_on_site_is_refused(day: Day) -> None:
    spravato = day.service("Spravato session")
    with pytest.raises(FieldErrors) as refused:
        setup.service_update(
            day.cast.actor(day.cast.owner),
            spravato.pk,
            expected_version=1,
            data={"prescriber_on_site": False},
        )
    assert refused.value.errors == {
        "prescriber_on_site": "Spravato (esketamine) session needs a prescriber on site (REMS)"
    }


def test_every_bad_field_of_a_service_is_named_at_once(day: Day) -> None:
    therapy = day.service("Talk therapy")
    with pytest.raises(FieldErrors) as refused:
        setup.service_update(
            day.cast.actor(day.cast.owner),
            therapy.pk,
            expected_version=1,
            data={
                "name": " ",
                "duration_min": 0,
                "buffer_min": 241,
                "performer_roles": ["front_desk"],
                "protocol_ids": ["depression-iv-induction"],
            },
        )
    assert refused.value.errors == {
        "name": "must be 1-120 characters",
        "duration_min": "must be a whole number of minutes from 1 to 1440",
        "buffer_min": "must be a whole number of minutes from 0 to 240",
        "performer_roles": "name one or more of prescriber, nurse",
        "protocol_ids": "depression-iv-induction are not delivered as Talk therapy (CBT)",
    }


def test_a_service_update_on_a_stale_version_is_refused(day: Day) -> None:
    therapy = day.service("Talk therapy")
    owner = day.cast.actor(day.cast.owner)
    setup.service_update(owner, therapy.pk, expected_version=1, data={"duration_min": 45})
    with refused_and_unwritten("service.update"), pytest.raises(StaleVersion):
        setup.service_update(owner, therapy.pk, expected_version=1, data={"duration_min": 30})


def test_overlapping_spans_of_hours_are_refused(day: Day) -> None:
    with refused_and_unwritten("hours.update"), pytest.raises(FieldErrors) as refused:
        setup.hours_set(
            day.cast.actor(day.cast.owner),
            site_id=day.site.pk,
            pattern={0: [(time(13), time(18)), (time(8), time(13, 30))], 1: [(time(9), time(9))]},
        )
    assert refused.value.errors == {
        "hours[0][1]": "13:00 overlaps the span before",
        "hours[1][0]": "09:00-09:00: the end must be after the start",
    }
    # Touching spans are fine (a lunch break is two spans).
    rows = setup.hours_set(
        day.cast.actor(day.cast.owner),
        site_id=day.site.pk,
        pattern={0: [(time(13), time(18)), (time(8), time(12)), (time(12), time(13))]},
    )
    assert [(r.weekday, r.opens, r.closes) for r in rows] == [
        (0, time(8), time(12)),
        (0, time(12), time(13)),
        (0, time(13), time(18)),
    ]
    assert WeeklyHours.objects.filter(site=day.site, membership=None).count() == 3


def test_hours_set_replaces_the_pattern_and_records_both(day: Day) -> None:
    owner = day.cast.actor(day.cast.owner)
    setup.hours_set(
        owner,
        site_id=day.site.pk,
        membership_id=day.cast.nurse.pk,
        pattern={1: [(time(7, 30), time(15, 30))]},
    )
    nurse = WeeklyHours.objects.filter(membership=day.cast.nurse)
    assert [(r.weekday, r.opens, r.closes) for r in nurse] == [(1, time(7, 30), time(15, 30))]
    event = AuditEvent.objects.filter(action="hours.update").order_by("-id").first()
    assert event is not None
    assert event.changes == {
        "hours": [{str(d): ["08:00-18:00"] for d in range(5)}, {"1": ["07:30-15:30"]}]
    }


def test_leave_needs_a_reason_and_both_times_or_none(day: Day) -> None:
    owner = day.cast.actor(day.cast.owner)
    with refused_and_unwritten("hours_exception.create"), pytest.raises(FieldErrors) as refused:
        setup.hours_exception_add(
            owner,
            site_id=day.site.pk,
            membership_id=day.cast.nurse.pk,
            day=MONDAY,
            kind="remove",
            opens=time(9),
            reason=" ",
        )
    assert refused.value.errors == {
        "closes": "give both times, or neither (the whole day)",
        "reason": "say why, in 1-200 characters (holiday, leave, training)",
    }
    holiday = setup.hours_exception_add(
        owner, site_id=day.site.pk, day=MONDAY, kind="replace", reason="Staff training day"
    )
    assert (holiday.membership, holiday.opens, holiday.closes) == (None, None, None)
    setup.hours_exception_remove(owner, holiday.pk)
    assert not HoursException.objects.exists()


def test_a_chair_name_is_unique_per_site(day: Day) -> None:
    with refused_and_unwritten("resource.create"), pytest.raises(FieldErrors) as refused:
        setup.resource_create(
            day.cast.actor(day.cast.owner), site_id=day.site.pk, kind="bed", name="Chair 1"
        )
    assert refused.value.errors == {
        "kind": "must be chair or room",
        "name": "Harbor Ketamine Clinic already has a chair or room named 'Chair 1'",
    }


def test_a_chair_out_of_service_takes_no_new_bookings(day: Day) -> None:
    chair = setup.resource_set_active(
        day.cast.actor(day.cast.owner), day.chairs[0].pk, active=False, expected_version=1
    )
    assert (chair.is_active, chair.version) == (False, 2)
    with pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, "Ketamine IV infusion", ny(MONDAY, 10), resource_id=chair.pk)
    assert refused.value.errors == {"resource": "Chair 1 is out of service: choose another"}
    # Not asked for: the next chair.
    assert book(day, day.cast.dan, "Ketamine IV infusion", ny(MONDAY, 10)).resource.name == (
        "Chair 2"
    )


@pytest.mark.parametrize("role", ["prescriber", "nurse", "front_desk", "dan_login", "outsider"])
def test_only_the_owner_sets_up_the_calendar(day: Day, role: str) -> None:
    actor = day.cast.actor(getattr(day.cast, role))
    site, service = day.site.pk, day.service("Talk therapy").pk
    calls = {
        "service.create": lambda: setup.services_seed(actor),
        "service.update": lambda: setup.service_update(
            actor, service, expected_version=1, data={"duration_min": 45}
        ),
        "resource.create": lambda: setup.resource_create(
            actor, site_id=site, kind="chair", name="Chair 9"
        ),
        "resource.update": lambda: setup.resource_set_active(
            actor, day.chairs[0].pk, active=False, expected_version=1
        ),
        "hours.update": lambda: setup.hours_set(actor, site_id=site, pattern=WEEKDAYS),
        "hours_exception.create": lambda: setup.hours_exception_add(
            actor, site_id=site, day=MONDAY, kind="replace", reason="Holiday"
        ),
    }
    for action, call in calls.items():
        with refused_and_unwritten(action), pytest.raises(NotPermitted):
            call()
    assert Resource.objects.filter(name="Chair 9").count() == 0


def test_another_clinics_site_is_not_visible_to_its_owner(day: Day) -> None:
    other = Site.objects.get(clinic=day.cast.other_clinic)
    with pytest.raises(NotVisible):
        setup.resource_create(
            day.cast.actor(day.cast.owner), site_id=other.pk, kind="chair", name="Chair 1"
        )
