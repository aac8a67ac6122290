"""Email reminders of booked appointments, at the clinic's offsets (``ReminderRule``), each
of which the owner can turn off; the job ``scheduling.send_reminders`` sends them.

**At most once.** A reminder is claimed (a ``ReminderSent`` row, unique per appointment and
offset) in a transaction committed *before* the email is handed to the mail backend, and marked
sent after. A second worker loses the claim; a worker stopped between the claim and the send
leaves a claim without ``sent_at``, which is never sent again: a reminder may be lost, never
doubled. A send that fails (the mail server refused) is counted and not retried either.

When several offsets apply at once (booked 1 h ahead with rules at 48 h and 2 h), only the
shortest is sent; an offset is skipped once a reminder at the same or a shorter offset went out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor, system_actor
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors
from ketacare.lib.versioned import save_new_version

from .models import Appointment, ReminderRule, ReminderSent
from .reminder_email import reminder_message

logger = logging.getLogger("ketacare.scheduling")

#: The offsets a clinic starts with: the day before (48 h, time to rearrange a ride home) and
#: the morning of (2 h). A ketacare convention (``ketacare-placeholder``), not a published rule.
DEFAULT_HOURS_BEFORE = (48, 2)
MAX_HOURS_BEFORE = 14 * 24
JOB = "scheduling.send_reminders"


def _clinic_id(actor: Actor) -> int:
    require_perm(actor.membership, Perm.SCHEDULE_MANAGE)
    assert actor.membership is not None
    return actor.membership.clinic_id


@audit.records_refusals("reminder_rule.update")
def reminder_rules_seed(actor: Actor) -> list[ReminderRule]:
    """The clinic's starting reminders (48 h and 2 h before); offsets it has are kept."""
    clinic_id = _clinic_id(actor)
    created = []
    with transaction.atomic():
        have = set(
            ReminderRule.objects.filter(clinic_id=clinic_id).values_list("hours_before", flat=True)
        )
        for hours in DEFAULT_HOURS_BEFORE:
            if hours in have:
                continue
            rule = ReminderRule.objects.create(clinic_id=clinic_id, hours_before=hours)
            audit.record(
                actor,
                "reminder_rule.update",
                target=rule,
                changes={"hours_before": [None, hours], "is_active": [None, True]},
                data={"sources": ["ketacare-placeholder"]},
            )
            created.append(rule)
    return created


@audit.records_refusals("reminder_rule.update")
def reminder_rule_set(actor: Actor, hours_before: int, *, active: bool) -> ReminderRule:
    """Turn the reminder ``hours_before`` an appointment on (adding it if new) or off."""
    clinic_id = _clinic_id(actor)
    if (
        isinstance(hours_before, bool)
        or not isinstance(hours_before, int)
        or not 1 <= hours_before <= MAX_HOURS_BEFORE
    ):
        raise FieldErrors(
            {"hours_before": f"must be a whole number of hours from 1 to {MAX_HOURS_BEFORE}"}
        )
    with transaction.atomic():
        rule = (
            ReminderRule.objects.select_for_update()
            .filter(clinic_id=clinic_id, hours_before=hours_before)
            .first()
        )
        if rule is None:
            rule = ReminderRule.objects.create(
                clinic_id=clinic_id, hours_before=hours_before, is_active=active
            )
            changes: dict[str, list[Any]] = {
                "hours_before": [None, hours_before],
                "is_active": [None, active],
            }
        elif rule.is_active == active:
            return rule
        else:
            changes = {"is_active": [rule.is_active, active]}
            rule.is_active = active
            save_new_version(rule, ["is_active"])
        audit.record(actor, "reminder_rule.update", target=rule, changes=changes)
    return rule


def _due(now: datetime) -> list[tuple[Appointment, int]]:
    """Each booked appointment some active rule covers now, with the shortest such offset,
    unless a reminder at that offset or a shorter one was claimed already."""
    rules: dict[int, list[int]] = {}
    for clinic_id, hours in ReminderRule.objects.filter(is_active=True).values_list(
        "clinic_id", "hours_before"
    ):
        rules.setdefault(clinic_id, []).append(hours)
    if not rules:
        return []
    longest = max(h for offsets in rules.values() for h in offsets)
    rows = (
        Appointment.objects.filter(
            clinic_id__in=rules,
            status=Appointment.Status.BOOKED,
            start_at__gt=now,
            start_at__lte=now + timedelta(hours=longest),
        )
        .select_related("patient", "service", "site", "clinic", "plan")
        .order_by("start_at", "pk")
    )
    claimed: dict[int, list[int]] = {}
    for appointment_id, hours in ReminderSent.objects.filter(
        appointment__in=[a.pk for a in rows]
    ).values_list("appointment_id", "hours_before"):
        claimed.setdefault(appointment_id, []).append(hours)
    due = []
    for appointment in rows:
        ahead = appointment.start_at - now
        covering = [h for h in rules[appointment.clinic_id] if ahead <= timedelta(hours=h)]
        if not covering:
            continue
        shortest = min(covering)
        if any(h <= shortest for h in claimed.get(appointment.pk, [])):
            continue
        due.append((appointment, shortest))
    return due


def _claim(appointment: Appointment, hours_before: int) -> ReminderSent | None:
    """The claim, committed; None when another worker has it or the appointment changed."""
    try:
        with transaction.atomic():
            still_booked = (
                Appointment.objects.select_for_update()
                .filter(pk=appointment.pk, status=Appointment.Status.BOOKED)
                .exists()
            )
            if not still_booked:
                return None
            return ReminderSent.objects.create(appointment=appointment, hours_before=hours_before)
    except IntegrityError:
        return None


def _send(appointment: Appointment) -> bool:
    subject, body = reminder_message(appointment)
    try:
        send_mail(subject, body, None, [appointment.patient.email])
    except OSError:
        # smtplib's errors are OSErrors; the address is not logged.
        logger.exception("could not send an appointment reminder (appointment %s)", appointment.pk)
        return False
    return True


def _mark_sent(claim: ReminderSent, appointment: Appointment) -> None:
    with transaction.atomic():
        claim.sent_at = timezone.now()
        claim.save(update_fields=["sent_at"])
        audit.record(
            system_actor(JOB),
            "appointment.reminder",
            clinic_id=appointment.clinic_id,
            patient_id=appointment.patient_id,
            target=appointment,
            data={"hours_before": claim.hours_before, "channel": "email"},
        )


def send_reminders() -> dict[str, Any]:
    """The job: every reminder due now, at most once each. Its summary holds counts only."""
    now = timezone.now()
    counts = {"due": 0, "sent": 0, "no_email": 0, "not_claimed": 0, "failed": 0}
    for appointment, hours_before in _due(now):
        counts["due"] += 1
        if not appointment.patient.email:
            counts["no_email"] += 1
            continue
        claim = _claim(appointment, hours_before)
        if claim is None:
            counts["not_claimed"] += 1
            continue
        if _send(appointment):
            _mark_sent(claim, appointment)
            counts["sent"] += 1
        else:
            counts["failed"] += 1
    return counts
