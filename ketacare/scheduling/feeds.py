"""A staff member's private calendar feed (iCalendar, RFC 5545): their own appointments for a
calendar app to subscribe to, behind a secret token in the URL.

Only a SHA-256 of the token is stored (as for invitations and API tokens); the token is shown
once. A member has one feed at a time: a new one revokes the old. The feed shows what a phone's
lock screen may show: the patient's initials and the service, the site and the chair or room;
no name, no clinical detail. Each fetch is audited as a read of those appointments.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from ketacare.accounts.actor import Actor, actor_for
from ketacare.accounts.models import Membership
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import NotPermitted, NotVisible
from ketacare.patients.models import Patient

from .models import Appointment, CalendarFeed

#: What the feed covers, around the time it is fetched.
PAST = timedelta(days=30)
AHEAD = timedelta(days=180)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _staff(actor: Actor) -> Membership:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    membership = actor.membership
    assert membership is not None
    if not membership.is_staff_role:
        raise NotPermitted("a calendar feed is for the clinic's staff")
    return membership


def active_feed(actor: Actor) -> CalendarFeed | None:
    """The member's feed in use, if any (its token is never shown again)."""
    membership = _staff(actor)
    return membership.calendar_feeds.filter(revoked_at__isnull=True).order_by("-pk").first()


@audit.records_refusals("calendar_feed.create")
def feed_create(actor: Actor) -> tuple[CalendarFeed, str]:
    """A new feed for the actor and its secret token (shown once); any older one is revoked."""
    membership = _staff(actor)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        old = list(
            CalendarFeed.objects.select_for_update()
            .filter(membership=membership, revoked_at__isnull=True)
            .values_list("pk", flat=True)
        )
        CalendarFeed.objects.filter(pk__in=old).update(revoked_at=now)
        feed = CalendarFeed.objects.create(
            membership=membership, token_sha256=_sha256(token), created_at=now
        )
        audit.record(actor, "calendar_feed.create", target=feed, data={"replaces": old})
    return feed, token


@audit.records_refusals("calendar_feed.revoke")
def feed_revoke(actor: Actor, feed_id: int) -> CalendarFeed:
    """Stop a feed of the actor's own: its URL answers 404 from now on."""
    membership = _staff(actor)
    with transaction.atomic():
        feed = (
            CalendarFeed.objects.select_for_update()
            .filter(pk=feed_id, membership=membership, revoked_at__isnull=True)
            .first()
        )
        if feed is None:
            raise NotVisible("No such calendar feed")
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit.record(actor, "calendar_feed.revoke", target=feed)
    return feed


def _member_of(token: str) -> tuple[CalendarFeed, Membership]:
    feed = (
        CalendarFeed.objects.select_related("membership__user", "membership__clinic")
        .filter(token_sha256=_sha256(token), revoked_at__isnull=True)
        .first()
    )
    member = feed.membership if feed is not None else None
    if feed is None or member is None or not (member.is_active and member.user.is_active):
        raise NotVisible("No such calendar feed")
    return feed, member


def initials(patient: Patient) -> str:
    """ "D.D." for Dan Dawson: enough for the member to know the appointment, not a name."""
    return "".join(
        f"{name[0].upper()}." for name in (patient.given_name, patient.family_name) if name
    )


def _event(appointment: Appointment, member: Membership, host: str) -> Event:
    """The block as the member lives it: a prescriber on site stays to the end of the block
    (monitoring included), a performer to the end of the procedure."""
    supervising = appointment.prescriber_on_site_id == member.pk
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", appointment.updated_at.astimezone(UTC))
    event.add("sequence", appointment.version - 1)
    event.add("dtstart", appointment.start_at.astimezone(UTC))
    end = appointment.end_at if supervising else appointment.procedure_end_at
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", f"{initials(appointment.patient)} – {appointment.service.name}")
    event.add("location", f"{appointment.site.name}, {appointment.resource.name}")
    event.add("status", "CONFIRMED")
    event.add("class", "PRIVATE")
    return event


def calendar_for_token(token: str) -> bytes:
    """The feed's calendar: the member's active appointments (as performer or prescriber on
    site) from 30 days back to 180 days ahead. ``NotVisible`` for an unknown or revoked token,
    or a member no longer active."""
    feed, member = _member_of(token)
    now = timezone.now()
    rows = list(
        Appointment.objects.filter(
            Q(performer=member) | Q(prescriber_on_site=member),
            clinic_id=member.clinic_id,
            status__in=Appointment.ACTIVE,
            start_at__gte=now - PAST,
            start_at__lt=now + AHEAD,
        )
        .select_related("patient", "service", "site", "resource")
        .order_by("start_at", "pk")
    )
    host = urlparse(settings.KETACARE_BASE_URL).hostname or "ketacare"
    calendar = Calendar()
    calendar.add("prodid", "-//ketacare//staff calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{member.clinic.name}: my appointments")
    for appointment in rows:
        calendar.add_component(_event(appointment, member, host))
    with transaction.atomic():
        audit.record(
            actor_for(member),
            "appointment.read",
            target=feed,
            data={
                "via": "calendar feed",
                "count": len(rows),
                "patients": sorted({str(a.patient_id) for a in rows}),
            },
        )
    ical: bytes = calendar.to_ical()
    return ical
