"""Claiming a key, storing the answer, replaying it (draft-ietf-httpapi-idempotency-key-header).

The claim, the write it guards and the stored answer share one transaction: either the write
committed and its answer is stored under the key, or neither happened and a retry runs anew.
Keys live ``KETACARE_IDEMPOTENCY_TTL_SECONDS`` (24 h, as Stripe and the draft suggest) and
are pruned lazily when their user claims a new one, and all at once nightly (``prune_expired``,
a job of ``ketacare worker``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import StoredResponse

# The draft's sf-string, or the bare token most clients send: 1-255 visible ASCII characters.
_KEY = re.compile(r'^"?([\x21\x23-\x5b\x5d-\x7e]{1,255})"?$')
KEY_RULE = "must be 1-255 visible ASCII characters (a UUID is a good key)"


def parse_key(header: str) -> str | None:
    """The key in an ``Idempotency-Key`` header, or None if it is malformed."""
    match = _KEY.match(header.strip())
    return match.group(1) if match else None


def fingerprint(request: HttpRequest, *, api: bool) -> str:
    """What makes two requests the same request: method, path with query, and the body (for
    a form, its fields: a multipart body is read as it is parsed and cannot be read again)."""
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode())
        digest.update(b"\0")
    if api:
        digest.update(request.body)
    else:
        fields = sorted((k, v) for k, values in request.POST.lists() for v in values)
        files = sorted(
            (k, f.name or "", f.size or 0) for k, fs in request.FILES.lists() for f in fs
        )
        digest.update(repr((fields, files)).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """A claimed key (``row``), or the earlier request it belongs to (``earlier``)."""

    row: StoredResponse | None = None
    earlier: StoredResponse | None = None


def _expired_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.KETACARE_IDEMPOTENCY_TTL_SECONDS)


def prune_expired() -> int:
    """Delete every expired key, of every user; the number deleted."""
    deleted, _ = StoredResponse.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted


def claim(user_id: int, key: str, request: HttpRequest, print_: str) -> Claim:
    """Claim ``key`` for this request inside the caller's transaction, or find who has it.

    A concurrent holder is waited for: PostgreSQL blocks the insert on the unique index until
    the holder commits (then the insert fails and the stored answer is read); SQLite's write
    lock, taken at BEGIN, already serialises the two.
    """
    StoredResponse.objects.filter(user_id=user_id, created_at__lt=_expired_before()).delete()
    earlier = StoredResponse.objects.filter(user_id=user_id, key=key).first()
    if earlier is not None:
        return Claim(earlier=earlier)
    row = StoredResponse(
        user_id=user_id,
        key=key,
        fingerprint=print_,
        method=request.method or "",
        path=request.get_full_path()[:2000],
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return Claim(earlier=StoredResponse.objects.get(user_id=user_id, key=key))
    return Claim(row=row)


def store(row: StoredResponse, response: HttpResponse) -> None:
    """Keep the answer with the key (in the write's transaction)."""
    row.status = response.status_code
    row.content_type = response.get("Content-Type", "")[:200]
    row.location = response.get("Location", "")[:2000]
    row.body = bytes(response.content)
    row.save(update_fields=["status", "content_type", "location", "body"])


def forget(row: StoredResponse) -> None:
    """Release a claim whose answer is not worth keeping (a form shown again with errors)."""
    row.delete()


def replay(row: StoredResponse) -> HttpResponse:
    """The stored answer, marked as a replay."""
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    if row.location:
        response["Location"] = row.location
    response["Idempotent-Replayed"] = "true"
    return response
