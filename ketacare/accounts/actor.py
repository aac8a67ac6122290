"""Who is acting, from where: passed explicitly to every service so that views, the API,
the command line and the demo seed all leave the same audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .models import User
from .permissions import Perm, has_perm

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Membership


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Actor:
    user: User | None
    membership: Membership | None
    label: str
    ip: str | None = None
    request_id: str = field(default_factory=new_request_id)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def clinic_id(self) -> int | None:
        return self.membership.clinic_id if self.membership is not None else None

    def can(self, perm: Perm) -> bool:
        return has_perm(self.membership, perm)


def actor_label(user: User | None, membership: Membership | None) -> str:
    """A snapshot of who acted, readable after the user is renamed or removed."""
    if user is None:
        return "anonymous"
    role = f" ({membership.role})" if membership is not None else ""
    return f"{user.full_name} <{user.email}>{role}"


def actor_for(membership: Membership, *, request_id: str | None = None) -> Actor:
    """An actor for work done outside a request (command line, demo seed, benchmarks)."""
    return Actor(
        user=membership.user,
        membership=membership,
        label=actor_label(membership.user, membership),
        request_id=request_id or new_request_id(),
    )


def system_actor(label: str) -> Actor:
    """The command line acting with no logged-in user, e.g. ``ketacare token create``."""
    return Actor(user=None, membership=None, label=f"system: {label}")


def actor_from_request(request: HttpRequest) -> Actor:
    user = request.user if isinstance(request.user, User) else None
    membership = getattr(request, "membership", None)
    return Actor(
        user=user,
        membership=membership,
        label=actor_label(user, membership),
        ip=client_ip(request),
        request_id=getattr(request, "request_id", None) or new_request_id(),
    )


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the trusted proxy saw (never a client-supplied header)."""
    from django.conf import settings

    proxies = settings.KETACARE_TRUSTED_PROXY_COUNT
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    remote = request.META.get("REMOTE_ADDR")
    return str(remote) if remote else None
