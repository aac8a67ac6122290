"""What running a clinic adds to the header: the owner's Staff, Clinic settings and Sites."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketacare.lib.panels import HeaderLink, header_links

from .permissions import Perm, has_perm


def _holding(perm: Perm) -> Callable[[Any], bool]:
    return lambda membership: has_perm(membership, perm)


for _key, _label, _weight, _url, _perm in (
    ("staff", "Staff", 100, "staff:list", Perm.STAFF_MANAGE),
    ("settings", "Clinic settings", 110, "clinic:settings", Perm.SETTINGS_MANAGE),
    ("sites", "Sites", 120, "clinic:sites", Perm.SITE_MANAGE),
):
    header_links.register(HeaderLink(_key, _label, _weight, _url, _holding(_perm)))
