"""PCL-5 provisional PTSD: by the total cut-off and by the DSM-5 symptom-cluster rule.

Source ``pcl5-ncptsd``: an item rated 2 ("Moderately") or higher counts as a symptom
endorsed; provisional PTSD by the DSM-5 rule needs at least 1 cluster B (items 1-5), 1 cluster
C (6-7), 2 cluster D (8-14) and 2 cluster E (15-20) items. The cut-off (31-33, older 38) is
the clinic setting ``pcl5_provisional_cutoff``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.clinical.instruments.model import InstrumentDefinition
from ketacare.clinical.instruments.results import ProvisionalPtsd
from ketacare.clinical.settings import ClinicSettings

#: An item rated at least this counts as a symptom endorsed (pcl5-ncptsd).
ENDORSED_MIN = 2
#: Endorsed items needed per DSM-5 cluster (pcl5-ncptsd).
CLUSTER_MINIMUM: Mapping[str, int] = {"B": 1, "C": 1, "D": 2, "E": 2}


def provisional_ptsd(
    definition: InstrumentDefinition,
    values: Mapping[str, int | None],
    total: int,
    settings: ClinicSettings,
) -> ProvisionalPtsd:
    clusters = {subscale.id: subscale.items for subscale in definition.subscales}
    by_rule = all(
        sum(1 for item in clusters[cluster] if (values[item] or 0) >= ENDORSED_MIN) >= needed
        for cluster, needed in CLUSTER_MINIMUM.items()
    )
    cutoff = settings.pcl5_provisional_cutoff
    return ProvisionalPtsd(by_cutoff=total >= cutoff, by_dsm5_rule=by_rule, cutoff=cutoff)
