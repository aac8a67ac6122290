"""The owner's calendar set-up pages: who may open each page and do each action, and what each
change stores; refusals are named on their field, all at once, and store nothing. The Harbor
day of ``conftest.build_day``: three chairs and a room, open 08:00-18:00 on weekdays, the
starting services, the clock on Monday 2 March 2026 07:00 New York."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest

from ketacare.accounts import services as accounts
from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.accounts.models import Membership, Role
from ketacare.scheduling import setup
from ketacare.scheduling.defaults import default_services
from ketacare.scheduling.models import HoursException, Resource, Service, WeeklyHours
from tests.conftest import PASSWORD, SETUP, Cast, logged_in
from tests.scheduling.conftest import Day
from tests.treatment.pages import bare_codes, visible_text

ROLES = ("anonymous", "patient", "outsider", "front_desk", "nurse", "prescriber", "owner")
#: A role without the permission; the outsider (another clinic's prescriber) does not see a
#: row of Harbor (404) and is refused a page of the clinic (403).
REFUSED = {"patient": 403, "front_desk": 403, "nurse": 403, "prescriber": 403}
BASE = "/schedule/setup"


def _week(**spans: str) -> dict[str, str]:
    """Form data of a weekly pattern: ``d0_opens_1="08:00"`` and so on."""
    return dict(spans)


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[Day, HoursException], str]
    data: Callable[[Day], dict[str, Any]]
    names_row: bool
    done: int  # the owner's status


def _service_data(service: Service, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": service.version,
        "name": service.name,
        "duration_min": service.duration_min,
        "recovery_min": service.recovery_min,
        "buffer_min": service.buffer_min,
        "resource_kind": service.resource_kind,
        "performer_roles": list(service.performer_roles),
        "protocol_ids": list(service.protocol_ids),
        "is_active": "on" if service.is_active else "",
        "needs_ride_home": "on" if service.needs_ride_home else "",
        "prescriber_on_site": "on" if service.prescriber_on_site else "",
        "needs_rems_enrolment": "on" if service.needs_rems_enrolment else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _infusion(day: Day) -> Service:
    return day.service("Ketamine IV infusion")


ROUTES = {
    "index": Route("GET", lambda d, e: f"{BASE}/", lambda d: {}, False, 200),
    "services": Route("GET", lambda d, e: f"{BASE}/services/", lambda d: {}, False, 200),
    "seed": Route("POST", lambda d, e: f"{BASE}/services/seed/", lambda d: {}, False, 302),
    "service": Route(
        "GET", lambda d, e: f"{BASE}/services/{_infusion(d).pk}/", lambda d: {}, True, 200
    ),
    "service_save": Route(
        "POST",
        lambda d, e: f"{BASE}/services/{_infusion(d).pk}/",
        lambda d: _service_data(_infusion(d), recovery_min=45),
        True,
        302,
    ),
    "site": Route("GET", lambda d, e: f"{BASE}/sites/{d.site.pk}/", lambda d: {}, True, 200),
    "resource_add": Route(
        "POST",
        lambda d, e: f"{BASE}/sites/{d.site.pk}/resources/",
        lambda d: {"resource-kind": "chair", "resource-name": "Chair 4"},
        True,
        302,
    ),
    "out_of_service": Route(
        "POST",
        lambda d, e: f"{BASE}/resources/{d.chairs[2].pk}/out-of-service/",
        lambda d: {"version": "1"},
        True,
        302,
    ),
    "back_in_service": Route(
        "POST",
        lambda d, e: f"{BASE}/resources/{d.chairs[2].pk}/back-in-service/",
        lambda d: {"version": "1"},
        True,
        302,
    ),
    "site_hours": Route(
        "GET", lambda d, e: f"{BASE}/sites/{d.site.pk}/hours/", lambda d: {}, True, 200
    ),
    "site_hours_save": Route(
        "POST",
        lambda d, e: f"{BASE}/sites/{d.site.pk}/hours/",
        lambda d: _week(d0_opens_1="09:00", d0_closes_1="17:00"),
        True,
        302,
    ),
    "staff_hours": Route(
        "GET",
        lambda d, e: f"{BASE}/sites/{d.site.pk}/staff/{d.cast.nurse.pk}/hours/",
        lambda d: {},
        True,
        200,
    ),
    "staff_hours_save": Route(
        "POST",
        lambda d, e: f"{BASE}/sites/{d.site.pk}/staff/{d.cast.nurse.pk}/hours/",
        lambda d: _week(d1_opens_1="10:00", d1_closes_1="14:00"),
        True,
        302,
    ),
    "exceptions": Route(
        "GET", lambda d, e: f"{BASE}/sites/{d.site.pk}/exceptions/", lambda d: {}, True, 200
    ),
    "exception_add": Route(
        "POST",
        lambda d, e: f"{BASE}/sites/{d.site.pk}/exceptions/",
        lambda d: {
            "exception-day": "2026-04-03",
            "exception-kind": "replace",
            "exception-reason": "Good Friday",
        },
        True,
        302,
    ),
    "exception_remove": Route(
        "POST", lambda d, e: f"{BASE}/exceptions/{e.pk}/remove/", lambda d: {}, True, 302
    ),
}


#: The set-up's routes of ``setup_views`` and the methods each answers (the site-wide
#: permission matrix counts them as tested here; the reminders page is tested with it).
SETUP_ROUTES: dict[str, tuple[str, ...]] = {
    "schedule/setup/": ("GET",),
    "schedule/setup/services/": ("GET",),
    "schedule/setup/services/seed/": ("POST",),
    "schedule/setup/services/<int:pk>/": ("GET", "POST"),
    "schedule/setup/sites/<int:pk>/": ("GET",),
    "schedule/setup/sites/<int:pk>/resources/": ("POST",),
    "schedule/setup/resources/<int:pk>/out-of-service/": ("POST",),
    "schedule/setup/resources/<int:pk>/back-in-service/": ("POST",),
    "schedule/setup/sites/<int:pk>/hours/": ("GET", "POST"),
    "schedule/setup/sites/<int:pk>/staff/<int:member>/hours/": ("GET", "POST"),
    "schedule/setup/sites/<int:pk>/exceptions/": ("GET", "POST"),
    "schedule/setup/exceptions/<int:pk>/remove/": ("POST",),
}


def _state() -> tuple[Any, ...]:
    return (
        sorted(Service.objects.values_list("pk", "version")),
        sorted(Resource.objects.values_list("pk", "name", "is_active", "version")),
        sorted(
            WeeklyHours.objects.values_list("site", "membership", "weekday", "opens", "closes"),
            key=repr,
        ),
        sorted(HoursException.objects.values_list("pk", "day", "kind")),
    )


@pytest.fixture
def holiday(day: Day) -> HoursException:
    return setup.hours_exception_add(
        day.cast.actor(day.cast.owner),
        site_id=day.site.pk,
        day=date(2026, 5, 25),
        kind="replace",
        reason="Memorial Day",
    )


def _owner(day: Day) -> Any:
    return logged_in(day.cast.owner.user)


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES))
def test_each_set_up_page_and_action(
    day: Day, holiday: HoursException, as_role: Any, role: str, key: str
) -> None:
    route = ROUTES[key]
    url = route.path(day, holiday)
    before = _state()
    client = as_role(role)

    response = client.get(url) if route.method == "GET" else client.post(url, route.data(day))

    if role == "anonymous":
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    elif role == "outsider":
        assert response.status_code == (404 if route.names_row else 403)
    elif role in REFUSED:
        assert response.status_code == REFUSED[role]
    else:
        assert response.status_code == route.done
        return
    assert _state() == before


def test_every_route_of_the_set_up_is_tested_here(day: Day, holiday: HoursException) -> None:
    from ketacare.scheduling import setup_urls

    routes = sorted(
        f"schedule/setup/{p.pattern}"
        for p in setup_urls.urlpatterns
        if p.callback.__module__ == "ketacare.scheduling.setup_views"
    )
    assert routes == sorted(SETUP_ROUTES)
    tested: dict[str, set[str]] = {}
    for route in ROUTES.values():
        tested.setdefault(_pattern(route.path(day, holiday), day, holiday), set()).add(route.method)
    assert {k: tuple(sorted(v)) for k, v in tested.items()} == {
        k: tuple(sorted(v)) for k, v in SETUP_ROUTES.items()
    }


def _pattern(path: str, day: Day, holiday: HoursException) -> str:
    """The route of a path the tests ask for (its ids back to their placeholders)."""
    path = path.lstrip("/").replace(f"/staff/{day.cast.nurse.pk}/", "/staff/<int:member>/")
    return re.sub(r"/\d+/", "/<int:pk>/", path)


PROBES = [
    pytest.param(route, method, id=f"{method} /{route}")
    for route, allowed in SETUP_ROUTES.items()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in allowed
]


@pytest.mark.parametrize(("route", "method"), PROBES)
def test_every_other_method_is_refused(
    day: Day, holiday: HoursException, route: str, method: str
) -> None:
    """Even the owner: an action is posted, never got; nothing changes."""
    before = _state()
    path = "/" + route.replace("<int:member>", str(day.cast.nurse.pk))
    path = path.replace("resources/<int:pk>", f"resources/{day.chairs[0].pk}")
    path = path.replace("exceptions/<int:pk>", f"exceptions/{holiday.pk}")
    path = path.replace("services/<int:pk>", f"services/{_infusion(day).pk}")
    path = path.replace("<int:pk>", str(day.site.pk))
    response = _owner(day).generic(method, path)
    assert response.status_code == 405
    assert _state() == before


def test_another_clinics_owner_sees_only_their_clinics_set_up(day: Day) -> None:
    cast = day.cast
    user = accounts.user_create(
        SETUP, email="lee@lakeside.example", full_name="Lee Lakeside", password=PASSWORD
    )
    other = accounts.membership_create(SETUP, user=user, clinic=cast.other_clinic, role=Role.OWNER)
    client = logged_in(other.user)

    services = client.get(f"{BASE}/services/")
    index = client.get(f"{BASE}/")

    assert services.status_code == 200
    assert services.context["rows"] == []
    assert [s.name for s in index.context["sites"]] == ["Lakeside Clinic"]
    assert client.get(f"{BASE}/sites/{day.site.pk}/").status_code == 404
    assert client.get(f"{BASE}/services/{_infusion(day).pk}/").status_code == 404
    assert Membership.objects.filter(clinic=cast.other_clinic, role=Role.OWNER).count() == 1


# --- services -------------------------------------------------------------------------------


def test_the_standard_services_are_added_once(cast: Cast) -> None:
    client = logged_in(cast.owner.user)
    empty = client.get(f"{BASE}/services/")
    assert "No bookable services yet" in visible_text(empty.content)

    response = client.post(f"{BASE}/services/seed/", follow=True)

    names = [d.name for d in default_services(clinic_settings(cast.clinic))]
    stored = Service.objects.filter(clinic=cast.clinic).values_list("name", flat=True)
    assert sorted(stored) == sorted(names)
    assert visible_text(response.content).count(f"Added {len(names)} services: ") == 1
    again = client.post(f"{BASE}/services/seed/", follow=True)
    assert "Every standard service is already here; nothing added." in visible_text(again.content)
    assert Service.objects.filter(clinic=cast.clinic).count() == len(names)
    assert bare_codes(again.content) == []


def test_the_services_list_says_what_each_service_holds(day: Day) -> None:
    response = _owner(day).get(f"{BASE}/services/")

    row = next(r for r in response.context["rows"] if r["service"].name == "Spravato session")
    assert (row["type"], row["roles"], row["service"].block_min) == (
        "Spravato (esketamine) session",
        "Nurse, Prescriber",
        135,
    )
    assert bare_codes(response.content) == []


def test_a_service_is_changed_with_its_version(day: Day) -> None:
    service = _infusion(day)
    protocols = list(service.protocol_ids)

    response = _owner(day).post(
        f"{BASE}/services/{service.pk}/",
        _service_data(service, recovery_min=45, buffer_min=10, performer_roles=["nurse"]),
    )

    assert (response.status_code, response["Location"]) == (302, f"{BASE}/services/")
    service.refresh_from_db()
    assert (
        service.version,
        service.duration_min,
        service.recovery_min,
        service.buffer_min,
        service.performer_roles,
        service.protocol_ids,
        service.needs_ride_home,
        service.is_active,
    ) == (2, 40, 45, 10, ["nurse"], protocols, True, True)
    assert protocols == [
        "depression-iv-induction",
        "depression-iv-maintenance",
        "ptsd-iv-induction",
        "suicidal-ideation-iv",
    ]


def test_a_spravato_block_under_two_hours_is_refused_on_the_recovery_field(day: Day) -> None:
    service = day.service("Spravato session")

    response = _owner(day).post(
        f"{BASE}/services/{service.pk}/",
        _service_data(service, recovery_min=60, performer_roles=[], prescriber_on_site=""),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "recovery_min": [
            "Duration + recovery is 75 min; Spravato (esketamine) session needs at least 120 "
            "min from the start to the end of monitoring (SPRAVATO REMS)."
        ],
        "performer_roles": ["Name one or more of prescriber, nurse."],
        "prescriber_on_site": ["Spravato (esketamine) session needs a prescriber on site (REMS)."],
    }
    assert "3 things to fix before this can be saved" in response.content.decode()
    service.refresh_from_db()
    assert (service.version, service.recovery_min, service.prescriber_on_site) == (1, 105, True)


def test_a_service_changed_meanwhile_is_not_overwritten(day: Day) -> None:
    service = _infusion(day)
    setup.service_update(
        day.cast.actor(day.cast.owner), service.pk, expected_version=1, data={"buffer_min": 20}
    )

    response = _owner(day).post(
        f"{BASE}/services/{service.pk}/", _service_data(service, version=1, recovery_min=30)
    )

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "This record is at version 2, your edit was based on version 1; reload it and apply "
        "your change again."
    ]
    service.refresh_from_db()
    assert (service.version, service.recovery_min, service.buffer_min) == (2, 60, 20)


# --- chairs and rooms -----------------------------------------------------------------------


def test_a_chair_is_added_and_a_duplicate_name_is_refused_on_the_name(day: Day) -> None:
    client = _owner(day)
    url = f"{BASE}/sites/{day.site.pk}/resources/"

    added = client.post(url, {"resource-kind": "chair", "resource-name": " Chair 4 "})
    twice = client.post(url, {"resource-kind": "chair", "resource-name": "Chair 1"})

    assert (added.status_code, added["Location"]) == (302, f"{BASE}/sites/{day.site.pk}/")
    assert twice.status_code == 400
    assert twice.context["form"].errors == {
        "name": ["Harbor Ketamine Clinic already has a chair or room named 'Chair 1'."]
    }
    rows = Resource.objects.filter(site=day.site).order_by("pk").values_list("name", "kind")
    assert list(rows) == [
        ("Chair 1", "chair"),
        ("Chair 2", "chair"),
        ("Chair 3", "chair"),
        ("Room A", "room"),
        ("Chair 4", "chair"),
    ]


def test_a_chair_goes_out_of_service_and_back(day: Day) -> None:
    client = _owner(day)
    chair = day.chairs[1]

    out = client.post(f"{BASE}/resources/{chair.pk}/out-of-service/", {"version": "1"}, follow=True)
    chair.refresh_from_db()
    assert (chair.is_active, chair.version) == (False, 2)
    said = "Chair 2 is out of service: no new bookings; booked ones stay."
    assert said in visible_text(out.content)
    assert f'id="resource-{chair.pk}" class="status-inactive"' in out.content.decode()

    stale = client.post(f"{BASE}/resources/{chair.pk}/back-in-service/", {"version": "1"})
    assert stale.status_code == 409
    assert (
        "This record is at version 2, your edit was based on version 1; reload it and apply "
        "your change again."
    ) in visible_text(stale.content)

    back = client.post(f"{BASE}/resources/{chair.pk}/back-in-service/", {"version": "2"})
    assert back.status_code == 302
    chair.refresh_from_db()
    assert (chair.is_active, chair.version) == (True, 3)


# --- hours ----------------------------------------------------------------------------------


def _rows(day: Day, member: Membership | None) -> list[tuple[int, time, time]]:
    return list(
        WeeklyHours.objects.filter(site=day.site, membership=member)
        .order_by("weekday", "opens")
        .values_list("weekday", "opens", "closes")
    )


def test_the_opening_hours_are_a_weekly_pattern_of_up_to_two_spans(day: Day) -> None:
    client = _owner(day)
    url = f"{BASE}/sites/{day.site.pk}/hours/"
    shown = client.get(url)
    assert shown.context["form"].initial["d0_opens_1"] == time(8)
    assert [r["hours"] for r in shown.context["staff"] if r["member"] == day.cast.nurse] == [
        [f"{name} 08:00–18:00" for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
    ]

    response = client.post(
        url,
        _week(
            d0_opens_1="13:00", d0_closes_1="18:00", d0_opens_2="08:00", d0_closes_2="12:00",
            d1_opens_1="09:00", d1_closes_1="17:00",
            d5_opens_1="09:00", d5_closes_1="13:00",
        ),
    )  # fmt: skip

    assert (response.status_code, response["Location"]) == (302, url)
    assert _rows(day, None) == [
        (0, time(8), time(12)),
        (0, time(13), time(18)),
        (1, time(9), time(17)),
        (5, time(9), time(13)),
    ]
    # The staff's own hours are untouched.
    assert len(_rows(day, day.cast.nurse)) == 5


def test_every_bad_span_is_named_on_its_field_at_once_and_nothing_is_saved(day: Day) -> None:
    response = _owner(day).post(
        f"{BASE}/sites/{day.site.pk}/hours/",
        _week(
            d2_opens_1="10:00", d2_closes_1="09:00",
            d3_opens_1="08:00", d3_closes_1="12:00", d3_opens_2="11:00", d3_closes_2="15:00",
        ),
    )  # fmt: skip

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "d2_opens_1": ["10:00-09:00: the end must be after the start."],
        "d3_opens_2": ["11:00 overlaps the span before."],
    }
    html = response.content.decode()
    assert "2 things to fix before this can be saved" in html
    assert '<a href="#id_d3_opens_2">Thursday from (second span)</a>' in html
    assert len(_rows(day, None)) == 5


def test_half_a_span_is_refused_before_anything_is_asked(day: Day) -> None:
    response = _owner(day).post(
        f"{BASE}/sites/{day.site.pk}/hours/", _week(d4_opens_1="08:00", d6_closes_2="12:00")
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "d4_closes_1": ["Give both times of the span, or neither."],
        "d6_opens_2": ["Give both times of the span, or neither."],
    }
    assert len(_rows(day, None)) == 5


def test_a_staff_members_hours_at_the_site(day: Day) -> None:
    nurse = day.cast.nurse
    url = f"{BASE}/sites/{day.site.pk}/staff/{nurse.pk}/hours/"

    response = _owner(day).post(
        url, _week(d0_opens_1="07:30", d0_closes_1="15:30", d3_opens_1="12:00", d3_closes_1="20:00")
    )

    assert (response.status_code, response["Location"]) == (302, url)
    assert _rows(day, nurse) == [(0, time(7, 30), time(15, 30)), (3, time(12), time(20))]
    assert len(_rows(day, day.cast.prescriber)) == 5
    patient = f"{BASE}/sites/{day.site.pk}/staff/{day.cast.dan_login.pk}/hours/"
    assert _owner(day).get(patient).status_code == 404


# --- holidays, leave and extra hours --------------------------------------------------------


def test_a_holiday_leave_and_extra_hours_are_listed_from_today_and_removed(day: Day) -> None:
    client = _owner(day)
    owner = day.cast.actor(day.cast.owner)
    url = f"{BASE}/sites/{day.site.pk}/exceptions/"
    setup.hours_exception_add(
        owner, site_id=day.site.pk, day=date(2026, 2, 16), kind="replace", reason="Presidents' Day"
    )

    nurse, prescriber = str(day.cast.nurse.pk), str(day.cast.prescriber.pk)
    for data in (
        {"day": "2026-05-25", "kind": "replace", "reason": "Memorial Day"},
        {"who": nurse, "day": "2026-03-04", "kind": "replace", "reason": "Leave"},
        {"day": "2026-03-07", "kind": "add", "opens": "09:00", "closes": "13:00",
         "reason": "Open Saturday"},
        {"who": prescriber, "day": "2026-03-03", "kind": "remove", "opens": "12:00",
         "closes": "14:00", "reason": "Training"},
    ):  # fmt: skip
        response = client.post(url, {f"exception-{k}": v for k, v in data.items()})
        assert (response.status_code, response["Location"]) == (302, url)

    page = client.get(url)
    text = visible_text(page.content)
    rows = [
        (r.day, r.membership.user.full_name if r.membership else "", r.kind, r.opens, r.closes,
         r.reason)
        for r in page.context["upcoming"].exceptions
    ]  # fmt: skip
    assert rows == [
        (date(2026, 3, 3), "Dr Bob Prescriber", "remove", time(12), time(14), "Training"),
        (date(2026, 3, 4), "Nina Nurse", "replace", None, None, "Leave"),
        (date(2026, 3, 7), "", "add", time(9), time(13), "Open Saturday"),
        (date(2026, 5, 25), "", "replace", None, None, "Memorial Day"),
    ]
    assert "Presidents' Day" not in text
    assert "Wed 4 Mar 2026 Nina Nurse Away all day All day Leave" in text
    assert "Mon 25 May 2026 The whole site Closed All day Memorial Day" in text
    assert bare_codes(page.content) == []

    leave = page.context["upcoming"].exceptions[1]
    removed = client.post(f"{BASE}/exceptions/{leave.pk}/remove/", follow=True)
    assert "Leave on Wed 04 Mar 2026 removed." in visible_text(removed.content)
    assert not HoursException.objects.filter(pk=leave.pk).exists()
    assert HoursException.objects.count() == 4


def test_an_exception_with_missing_times_names_each_field(day: Day) -> None:
    response = _owner(day).post(
        f"{BASE}/sites/{day.site.pk}/exceptions/",
        {"exception-day": "2026-03-07", "exception-kind": "add", "exception-reason": " "},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["This field is required."]}

    response = _owner(day).post(
        f"{BASE}/sites/{day.site.pk}/exceptions/",
        {
            "exception-day": "2026-03-07",
            "exception-kind": "add",
            "exception-closes": "13:00",
            "exception-reason": "Open Saturday",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "closes": ["Give both times, or neither (the whole day)."]
    }
    assert HoursException.objects.count() == 0
