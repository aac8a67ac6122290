"""What oversight adds to the header: the audit log, for those who may read it."""

from __future__ import annotations

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import HeaderLink, header_links

header_links.register(
    HeaderLink(
        key="audit",
        label="Audit log",
        weight=90,
        url_name="audit:log",
        shown=lambda membership: has_perm(membership, Perm.AUDIT_READ),
    )
)
