"""What the ledger adds to the header: "Controlled substances", for those who read it."""

from __future__ import annotations

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import HeaderLink, header_links

header_links.register(
    HeaderLink(
        "controlled",
        "Controlled substances",
        40,
        "controlled:ledger",
        lambda membership: has_perm(membership, Perm.CONTROLLED_READ),
    )
)
