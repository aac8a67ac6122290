"""Writing and verifying the audit log.

``record`` runs inside the caller's transaction, so a change and its audit row commit or roll
back together. Each row carries ``row_hash = HMAC-SHA256(key, prev_hash || canonical(row))``;
``verify_chain`` recomputes the chain and names the first row that was edited, deleted or
inserted out of band (reference/reliability.md, ONC 170.315(d)(2)).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible

from .actions import ACTIONS
from .models import AuditEvent

if TYPE_CHECKING:
    from ketacare.accounts.actor import Actor

GENESIS_HASH = "0" * 64
_REFUSALS = (FieldErrors, Conflict, NotPermitted, NotVisible)
# Arbitrary constant naming the advisory lock that serialises chain writers on PostgreSQL.
_PG_CHAIN_LOCK = 7_262_773_501


def _to_json(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is computed over stored values."""
    return json.loads(json.dumps(dict(value or {}), cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "action": event.action,
        "outcome": event.outcome,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "clinic_id": event.clinic_id,
        "patient_id": str(event.patient_id) if event.patient_id else None,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "changes": event.changes,
        "data": event.data,
        "ip": event.ip,
        "request_id": event.request_id,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash(event: AuditEvent) -> str:
    key = settings.KETACARE_AUDIT_KEY.encode()
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    # SQLite transactions here are BEGIN IMMEDIATE (settings), which already holds the
    # single write lock; PostgreSQL needs an explicit lock so two writers never share a parent.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def record(
    actor: Actor,
    action: str,
    *,
    patient_id: UUID | str | None = None,
    clinic_id: int | None = None,
    target: object | None = None,
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    reason: str = "",
    outcome: str = "success",
) -> AuditEvent:
    """Append one audit event inside the current transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it logs")
    _lock_chain()
    last = AuditEvent.objects.order_by("-id").values_list("id", "row_hash").first()
    last_id, prev_hash = last if last else (0, GENESIS_HASH)
    event = AuditEvent(
        id=last_id + 1,
        occurred_at=timezone.now(),
        action=action,
        outcome=outcome,
        actor_id=actor.user_id,
        actor_label=actor.label[:300],
        clinic_id=clinic_id if clinic_id is not None else actor.clinic_id,
        patient_id=patient_id,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        changes=_to_json(changes),
        data=_to_json(data),
        ip=actor.ip,
        request_id=actor.request_id,
        reason=reason,
        prev_hash=prev_hash,
    )
    event.row_hash = _hash(event)
    event.save()
    return event


REFUSED = "refused"
P = ParamSpec("P")
R = TypeVar("R")


def records_refusals(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Audit a refused attempt of a service (bad input, a conflict, no permission, not
    visible) as ``write.refused`` naming the attempted ``action``, in its own transaction after
    the service's own one rolled back: nothing was written, but the attempt is on record (ONC
    170.315(d)(2), ASVS 16.3.2). The service's first arguments are the actor and the record's
    id."""
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def audited(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return service(*args, **kwargs)
            except _REFUSALS as exc:
                actor, target = args[0], args[1] if len(args) > 1 else None
                record_standalone(
                    actor,  # type: ignore[arg-type]
                    "write.refused",
                    outcome=REFUSED,
                    patient_id=_as_patient_id(target),
                    data={
                        "attempted": action,
                        "target": str(target),
                        "refused": type(exc).__name__,
                        "detail": str(exc)[:1000],
                    },
                )
                raise

        return audited

    return decorate


def _as_patient_id(target: object) -> UUID | None:
    if isinstance(target, UUID):
        return target
    try:
        return UUID(str(target)) if isinstance(target, str) else None
    except ValueError:
        return None


def record_standalone(actor: Actor, action: str, **kwargs: Any) -> AuditEvent:
    """Record an event that has no change of its own (a failed login, a refused access)."""
    with transaction.atomic():
        return record(actor, action, **kwargs)


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    message: str


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Recompute the chain; return the number of rows checked and the first problem, if any."""
    expected_id = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in _events():
        if event.id != expected_id:
            missing = (
                f"row {expected_id}"
                if event.id == expected_id + 1
                else (f"rows {expected_id}-{event.id - 1}")
            )
            return checked, ChainProblem(
                event.id, f"{missing} missing before row {event.id} (deleted)"
            )
        if event.prev_hash != prev_hash:
            return checked, ChainProblem(
                event.id,
                f"row {event.id} does not follow row {event.id - 1} (inserted out of band)",
            )
        if not hmac.compare_digest(event.row_hash, _hash(event)):
            return checked, ChainProblem(
                event.id, f"row {event.id} does not match its hash (edited or inserted out of band)"
            )
        prev_hash = event.row_hash
        expected_id += 1
        checked += 1
    return checked, None
