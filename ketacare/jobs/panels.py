"""What background jobs add to the header: the owner's Jobs page."""

from __future__ import annotations

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import HeaderLink, header_links

header_links.register(
    HeaderLink(
        "jobs",
        "Jobs",
        95,
        "jobs:list",
        lambda membership: has_perm(membership, Perm.JOBS_READ),
    )
)
