"""AUDIT-C and DAST-10: exact totals, bands and flags at every boundary, missing items."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import get_instrument, score
from ketacare.clinical.settings import ClinicSettings


def test_audit_c_sums_the_three_consumption_items() -> None:
    """WHO AUDIT items 1-3 each 0-4, AUDIT-C total 0-12 (source who-audit-2001)."""
    result = score("audit_c", [2, 1, 3])
    assert result.total == 6
    assert result.max_total == 12
    assert [i.answer_label for i in result.items] == ["2-4 times a month", "3 or 4", "Weekly"]
    assert [i.loinc for i in result.items] == ["68518-0", "68519-8", "68520-6"]


@pytest.mark.parametrize(
    ("answers", "flags"),
    [
        ([1, 1, 0], ()),
        ([1, 1, 1], ("positive_screen_women",)),
        ([2, 1, 1], ("positive_screen_men", "positive_screen_women")),
    ],
)
def test_audit_c_flags_both_sex_specific_cutoffs(
    answers: list[int], flags: tuple[str, ...]
) -> None:
    """Positive at >= 4 for men and >= 3 for women (source bradley-2007); 2, 3 and 4 are the
    boundaries, and both flags are computed because the score does not know the sex."""
    assert score("audit_c", answers).flags == flags


def test_audit_c_cutoffs_are_clinic_settings() -> None:
    """The Bradley 2007 cut-offs are settings audit_c_positive_min_men/women."""
    strict = ClinicSettings.from_overrides({"audit_c_positive_min_men": 5})
    assert score("audit_c", [2, 1, 1], strict).flags == ("positive_screen_women",)


def test_audit_c_missing_item_is_refused() -> None:
    """An unanswered item is never counted as 0 (written policy of audit_c.toml)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("audit_c", [2, None, 1])
    assert caught.value.field == "answers"
    policy = get_instrument("audit_c").missing.policy
    assert caught.value.message == f"AUDIT-C item 2 unanswered; {policy}"


def test_audit_c_item_text_is_included_and_loinc_panel_set() -> None:
    """WHO: the AUDIT may be used without permission (who-audit-2001); LOINC loinc-auditc."""
    definition = get_instrument("audit_c")
    assert definition.text_included is True
    assert (definition.loinc_panel, definition.loinc_total) == ("72109-2", "75626-2")


def test_dast10_item_3_is_reverse_scored() -> None:
    """1 point per yes except item 3, where No scores 1 (source skinner-1982)."""
    all_no = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # item 3 answered "No" is stored as 1
    result = score("dast10", all_no)
    assert result.total == 1
    assert [i.answer_label for i in result.items][:3] == ["No", "No", "No"]
    able_to_stop = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert score("dast10", able_to_stop).items[2].answer_label == "Yes"
    assert score("dast10", able_to_stop).total == 0


def _dast(total: int) -> list[int]:
    """Answers giving ``total``: item 3 contributes last."""
    order = [0, 1, 3, 4, 5, 6, 7, 8, 9, 2]
    answers = [0] * 10
    for index in order[:total]:
        answers[index] = 1
    return answers


@pytest.mark.parametrize(
    ("total", "severity", "flagged"),
    [
        (0, "none", False),
        (1, "low", False),
        (2, "low", False),
        (3, "moderate", True),
        (5, "moderate", True),
        (6, "substantial", True),
        (8, "substantial", True),
        (9, "severe", True),
        (10, "severe", True),
    ],
)
def test_dast10_bands_and_review_flag(total: int, severity: str, flagged: bool) -> None:
    """0 none, 1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe (source skinner-1982);
    positive_screen from dast10_review_min (3, 'further investigation')."""
    result = score("dast10", _dast(total))
    assert (result.total, result.severity) == (total, severity)
    assert result.flags == (("positive_screen",) if flagged else ())


def test_dast10_missing_item_is_refused_and_loinc_codes_set() -> None:
    """All ten required (written policy); LOINC 82666-9 / 82667-7 (source loinc-dast10)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("dast10", [1, 1, 1, 1, 1, 1, 1, 1, 1])
    definition = get_instrument("dast10")
    assert caught.value.message == f"DAST-10 item 10 unanswered; {definition.missing.policy}"
    assert (definition.loinc_panel, definition.loinc_total) == ("82666-9", "82667-7")
    assert definition.text_included is False
