"""Human labels for every code the clinical core can put in front of a person.

People read labels, not codes: a page shows ``label("decision", "not_eligible")`` ("Not
eligible"), and the code may follow in small type. Each vocabulary is a mapping code → label;
``raw_codes`` lists the codes a page must never show bare (tests scan visible text for them).
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.clinical.vocabulary import CARE_ITEM_KINDS

#: vocabulary name → {code: label}
VOCABULARIES: dict[str, Mapping[str, str]] = {
    "care_item": CARE_ITEM_KINDS,
    "option": {
        "ketamine_iv": "Ketamine IV infusion",
        "ketamine_im": "Ketamine IM injection",
        "ketamine_intranasal": "Racemic ketamine nasal spray",
        "ketamine_sublingual_home": "Sublingual ketamine at home",
        "esketamine_nasal": "Esketamine (Spravato) nasal spray",
    },
    "decision": {
        "eligible": "Eligible",
        "needs_prescriber_review": "Needs prescriber review",
        "not_eligible": "Not eligible",
        "not_screened": "Not screened",
    },
}


def label(vocabulary: str, code: str) -> str:
    """The label of ``code`` in ``vocabulary``; an unknown code is shown humanised, never bare."""
    found = VOCABULARIES.get(vocabulary, {}).get(code)
    if found is not None:
        return found
    words = str(code).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def raw_codes(min_length: int = 4) -> frozenset[str]:
    """Codes that must not appear bare in visible text: those with an underscore or no space.

    Codes that are also ordinary words ("other", "eligible") are left out, since a label may
    contain them; ``min_length`` drops short ones ("iv") that occur inside words.
    """
    codes: set[str] = set()
    for mapping in VOCABULARIES.values():
        for code, shown in mapping.items():
            if len(code) < min_length or code.lower() == shown.lower():
                continue
            if "_" in code or code.lower() not in shown.lower():
                codes.add(code)
    return frozenset(codes)
