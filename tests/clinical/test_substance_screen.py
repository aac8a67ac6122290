"""Substance-use screening before a controlled substance: AUDIT-C, DAST-10, missing screen."""

from __future__ import annotations

import pytest

from ketacare.clinical.screening import OPTIONS
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite
from tests.clinical.intakes import codes, decisions, run

E, R = "eligible", "needs_prescriber_review"
HOME = "ketamine_sublingual_home"


def _reason(result: object, option: str, code: str) -> dict[str, str]:
    found = result.option(option).reasons  # type: ignore[attr-defined]
    return next(r.to_json() for r in found if r.code == code)


@pytest.mark.parametrize(
    ("sex", "total", "reviewed"),
    [("male", 3, False), ("male", 4, True), ("female", 2, False), ("female", 3, True)],
)
def test_audit_c_cutoff_follows_the_patients_sex(sex: str, total: int, reviewed: bool) -> None:
    """Positive AUDIT-C at >= 4 for men and >= 3 for women (source bradley-2007): review for
    every option, each boundary on both sides."""
    result = run(sex=sex, scores={"phq9": 19, "audit_c": total, "dast10": 0})
    expected = R if reviewed else E
    assert decisions(result) == dict.fromkeys(OPTIONS, expected)
    assert ("audit_c_positive" in codes(result, "ketamine_iv")) is reviewed


def test_audit_c_message_names_the_score_and_cutoff() -> None:
    """The message names the total and the cut-off used (bradley-2007)."""
    result = run(sex="male", scores={"phq9": 19, "audit_c": 5, "dast10": 0})
    assert _reason(result, "esketamine_nasal", "audit_c_positive") == {
        "code": "audit_c_positive",
        "message": "AUDIT-C 5 is a positive alcohol screen (men's cut-off 4): review alcohol "
        "use before prescribing a controlled substance.",
        "source": cite("bradley-2007"),
    }


def test_unknown_sex_uses_the_lower_womens_cutoff() -> None:
    """Sex unknown: the women's cut-off (3), the safer one (bradley-2007)."""
    result = run(sex="unknown", scores={"phq9": 19, "audit_c": 3, "dast10": 0})
    assert _reason(result, "ketamine_iv", "audit_c_positive")["message"] == (
        "AUDIT-C 3 is a positive alcohol screen (women's cut-off 3, used when sex is unknown): "
        "review alcohol use before prescribing a controlled substance."
    )


def test_audit_c_cutoffs_are_settings() -> None:
    """audit_c_positive_min_men is a clinic setting (bradley-2007)."""
    settings = ClinicSettings.from_overrides({"audit_c_positive_min_men": 6})
    result = run(settings, sex="male", scores={"phq9": 19, "audit_c": 5, "dast10": 0})
    assert decisions(result) == dict.fromkeys(OPTIONS, E)


@pytest.mark.parametrize(("total", "reviewed"), [(2, False), (3, True)])
def test_dast10_review_from_moderate(total: int, reviewed: bool) -> None:
    """DAST-10 3-5 'moderate: further investigation' (skinner-1982) needs review."""
    result = run(scores={"phq9": 19, "audit_c": 0, "dast10": total})
    assert decisions(result) == dict.fromkeys(OPTIONS, R if reviewed else E)


def test_dast10_message_names_score_and_band() -> None:
    """The message names the total and its band (skinner-1982); the home program is reviewed,
    not excluded, because no source sets an excluding score."""
    result = run(scores={"phq9": 19, "audit_c": 0, "dast10": 7})
    assert _reason(result, HOME, "dast10_positive") == {
        "code": "dast10_positive",
        "message": "DAST-10 7 (substantial drug-related problems; review at 3 or more): "
        "review drug use before prescribing a controlled substance.",
        "source": cite("skinner-1982"),
    }
    assert decisions(result)[HOME] == R


def test_missing_screen_reviews_only_the_home_program() -> None:
    """Mindbloom screens AUDIT and DAST-10 at intake (clinical.md §1.3, §2.6;
    mindbloom-hull-2022): without them the home program needs review; in-clinic does not."""
    result = run(scores={"phq9": 19, "audit_c": 1})
    assert decisions(result) == {**dict.fromkeys(OPTIONS, E), HOME: R}
    assert _reason(result, HOME, "substance_screen_missing") == {
        "code": "substance_screen_missing",
        "message": "Substance-use screen not done (DAST-10 missing): the home program screens "
        "alcohol and drug use at intake.",
        "source": cite("mindbloom-hull-2022", "screening-checklist"),
    }
    both = run(scores={"phq9": 19})
    assert _reason(both, HOME, "substance_screen_missing")["message"].startswith(
        "Substance-use screen not done (AUDIT-C and DAST-10 missing)"
    )
