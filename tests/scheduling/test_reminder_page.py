"""The owner's reminders page: the rules listed, one added or turned off, refusals named."""

from __future__ import annotations

from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.scheduling.models import ReminderRule
from ketacare.scheduling.reminders import reminder_rules_seed
from tests.conftest import Cast, logged_in

URL = "/schedule/setup/reminders/"


def test_the_owner_sees_the_rules_and_turns_one_off(cast: Cast) -> None:
    reminder_rules_seed(cast.actor(cast.owner))
    owner = logged_in(cast.owner.user)
    page = owner.get(URL)
    assert page.status_code == 200
    assert [(r.hours_before, r.is_active) for r in page.context["rules"]] == [
        (48, True),
        (2, True),
    ]
    done = owner.post(URL, {"hours_before": "2"})
    assert (done.status_code, done["Location"]) == (302, URL)
    assert ReminderRule.objects.get(clinic=cast.clinic, hours_before=2).is_active is False
    owner.post(URL, {"hours_before": "24", "active": "on"})
    rules = ReminderRule.objects.filter(clinic=cast.clinic).order_by("hours_before")
    assert [(r.hours_before, r.is_active) for r in rules] == [(2, False), (24, True), (48, True)]
    assert AuditEvent.objects.filter(action="reminder_rule.update").count() == 4


def test_an_offset_out_of_range_is_named_and_nothing_is_saved(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    page = owner.post(URL, {"hours_before": "0", "active": "on"})
    assert page.status_code == 422
    assert page.context["form"].errors["hours_before"] == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert ReminderRule.objects.count() == 0


def test_only_the_owner_sets_reminders(cast: Cast) -> None:
    assert logged_in(cast.front_desk.user).get(URL).status_code == 403
    assert logged_in(cast.prescriber.user).post(URL, {"hours_before": "3"}).status_code == 403
    assert logged_in(cast.dan_login.user).get(URL).status_code == 403
    anonymous = Client().get(URL)
    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/accounts/login/?next={URL}")
    assert ReminderRule.objects.count() == 0


def test_the_day_links_the_queue_the_feed_and_the_set_up(cast: Cast) -> None:
    owner = logged_in(cast.owner.user).get("/schedule/").content.decode()
    desk = logged_in(cast.front_desk.user).get("/schedule/").content.decode()
    links = ('href="/schedule/requests/"', 'href="/calendar/mine/"', 'href="/schedule/setup/"')
    assert [link in owner for link in links] == [True, True, True]
    assert [link in desk for link in links] == [True, True, False]
