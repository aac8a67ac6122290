"""Writing and verifying the audit log.

``record`` runs inside the caller's transaction, so a change and its audit row commit or roll
back together. Each clinic's events form their own hash chain, and the events of no clinic the
installation chain (``chain`` 0): a row holds its chain, its place ``seq`` in it (gapless from
1) and ``row_hash = HMAC-SHA256(key, canonical(row))``, where the canonical form includes the
chain, the place and ``prev_hash`` (the previous row of the same chain). ``verify_chain``
recomputes every chain and names, per chain, the first row that was edited, deleted or
inserted out of band (reference/reliability.md, ONC 170.315(d)(2)).

Writers of one chain take its lock (PostgreSQL: ``pg_advisory_xact_lock(class, chain)``;
SQLite: ``BEGIN IMMEDIATE`` already serialises all writers), so two clinics never wait on each
other's chain. A transaction that writes to several chains takes their locks first, in
ascending order (``lock_chains``), so two such transactions cannot deadlock.

Rows written before per-clinic chains (migration ``audit.0004``; ``chain`` NULL) stay the
legacy chain: one installation-wide chain ordered by gapless ids, hashed in the old canonical
form (with ``id``, without chain and place), verified as before. The first row of each new
chain points at the last legacy row (``prev_hash``), or at the genesis hash when there was
none, so rows deleted from the end of the legacy chain show too.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
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
from .models import INSTALLATION_CHAIN, AuditEvent

if TYPE_CHECKING:
    from ketacare.accounts.actor import Actor

GENESIS_HASH = "0" * 64
_REFUSALS = (FieldErrors, Conflict, NotPermitted, NotVisible)
# Arbitrary constant naming the audit chains' advisory locks on PostgreSQL: the first key of
# the two-key ``pg_advisory_xact_lock(int, int)``, the chain being the second. (The global lock
# before per-clinic chains was the one-key lock 7_262_773_501, a different lock space.)
_PG_CHAIN_LOCK_CLASS = 726_277_350
_PG_INT4 = 2**31


def _to_json(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is computed over stored values."""
    return json.loads(json.dumps(dict(value or {}), cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def chain_of(clinic_id: int | None) -> int:
    """The chain an event of this clinic (or of none) belongs to."""
    return clinic_id if clinic_id is not None else INSTALLATION_CHAIN


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
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


def _canonical(event: AuditEvent) -> bytes:
    """What a row's HMAC covers: every field but the surrogate ``id``, with its chain and
    place. A legacy row (no chain) keeps the form it was written in: with its ``id``."""
    if event.chain is None:
        body = {"id": event.id, **_fields(event)}
    else:
        body = {"chain": event.chain, "seq": event.seq, **_fields(event)}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash(event: AuditEvent) -> str:
    key = settings.KETACARE_AUDIT_KEY.encode()
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def _lock_key(chain: int) -> int:
    # The lock's second key is an int4; chains past it share a lock (and only wait more).
    return chain % _PG_INT4


def _lock_chain(key: int) -> None:
    # SQLite transactions here are BEGIN IMMEDIATE (settings), which already holds the
    # single write lock; PostgreSQL needs a lock per chain so two writers of one chain never
    # share a parent. Held to the end of the transaction; taking it again is free.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PG_CHAIN_LOCK_CLASS, key])


def lock_chains(clinic_ids: Iterable[int | None]) -> None:
    """Take the chain locks of these clinics (None: the installation chain) in ascending
    order. A transaction that records events in more than one chain calls this first, so that
    two such transactions take their locks in the same order and never deadlock."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.lock_chains must run inside the transaction that records")
    for key in sorted({_lock_key(chain_of(clinic_id)) for clinic_id in clinic_ids}):
        _lock_chain(key)


def _legacy_head() -> str:
    """The hash the first row of a new chain follows: the last legacy row's, or genesis."""
    last = (
        AuditEvent.objects.filter(chain__isnull=True)
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    return last or GENESIS_HASH


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
    """Append one audit event to its clinic's chain inside the current transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it logs")
    clinic = clinic_id if clinic_id is not None else actor.clinic_id
    chain = chain_of(clinic)
    _lock_chain(_lock_key(chain))
    last = (
        AuditEvent.objects.filter(chain=chain)
        .order_by("-seq")
        .values_list("seq", "row_hash")
        .first()
    )
    # A row of a chain always has its place (the check constraint), hence ``or 0``.
    seq, prev_hash = ((last[0] or 0) + 1, last[1]) if last else (1, _legacy_head())
    event = AuditEvent(
        chain=chain,
        seq=seq,
        occurred_at=timezone.now(),
        action=action,
        outcome=outcome,
        actor_id=actor.user_id,
        actor_label=actor.label[:300],
        clinic_id=clinic,
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
    row: int  # the row's place in its chain (``seq``; the id in the legacy chain)
    message: str


@dataclass(frozen=True)
class ChainReport:
    """One chain verified: how many rows held before the first problem, and that problem."""

    chain: int | None  # a clinic id, INSTALLATION_CHAIN, or None for the legacy chain
    checked: int
    problem: ChainProblem | None
    head_row: int | None  # the last row that held (its place) and its hash: keep them
    head_hash: str | None  # off-site to see rows removed from the end later

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def clinic_id(self) -> int | None:
        return None if self.chain in (None, INSTALLATION_CHAIN) else self.chain

    @property
    def kind(self) -> str:
        if self.chain is None:
            return "legacy"
        return "installation" if self.chain == INSTALLATION_CHAIN else "clinic"


@dataclass(frozen=True)
class Verification:
    chains: tuple[ChainReport, ...]

    @property
    def ok(self) -> bool:
        return all(chain.ok for chain in self.chains)

    @property
    def checked(self) -> int:
        return sum(chain.checked for chain in self.chains)

    @property
    def broken(self) -> tuple[ChainReport, ...]:
        return tuple(chain for chain in self.chains if not chain.ok)

    def of(self, chain: int | None) -> ChainReport:
        return next(report for report in self.chains if report.chain == chain)


def _missing(expected: int, found: int) -> str:
    rows = f"row {expected}" if found == expected + 1 else f"rows {expected}-{found - 1}"
    return f"{rows} missing before row {found} (deleted)"


def _walk(
    chain: int | None, events: Iterator[AuditEvent], place: Callable[[AuditEvent], int]
) -> ChainReport:
    """Follow one chain from its start; stop at the first row that does not hold."""
    expected = 1
    prev_hash = GENESIS_HASH if chain is None else _legacy_head()
    checked = 0

    def broken(event: AuditEvent, message: str) -> ChainReport:
        problem = ChainProblem(event.id, place(event), message)
        head = expected - 1 if checked else None
        return ChainReport(chain, checked, problem, head, prev_hash if checked else None)

    for event in events:
        row = place(event)
        if row != expected:
            return broken(event, _missing(expected, row))
        if event.prev_hash != prev_hash:
            if row == 1 and chain is not None:
                return broken(
                    event,
                    "row 1 does not start from the last row of the legacy chain (legacy rows "
                    "deleted at its end, or inserted out of band)",
                )
            return broken(event, f"row {row} does not follow row {row - 1} (inserted out of band)")
        if not hmac.compare_digest(event.row_hash, _hash(event)):
            return broken(
                event, f"row {row} does not match its hash (edited or inserted out of band)"
            )
        prev_hash = event.row_hash
        expected += 1
        checked += 1
    return ChainReport(chain, checked, None, checked or None, prev_hash if checked else None)


def verify_chain() -> Verification:
    """Recompute every chain: the legacy chain (if any rows were written before per-clinic
    chains), the installation chain and each clinic's, each on its own."""
    reports = []
    if AuditEvent.objects.filter(chain__isnull=True).exists():
        legacy = AuditEvent.objects.filter(chain__isnull=True).order_by("id")
        reports.append(_walk(None, legacy.iterator(chunk_size=2000), lambda e: e.id))
    chains = (
        AuditEvent.objects.filter(chain__isnull=False)
        .order_by("chain")
        .values_list("chain", flat=True)
        .distinct()
    )
    for chain in list(chains):
        events = AuditEvent.objects.filter(chain=chain).order_by("seq")
        reports.append(_walk(chain, events.iterator(chunk_size=2000), lambda e: e.seq or 0))
    return Verification(tuple(reports))
