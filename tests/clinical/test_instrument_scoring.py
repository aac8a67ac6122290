"""Instrument-specific scoring rules, examples and flags."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import score
from ketacare.clinical.settings import ClinicSettings

# --- PHQ-9 ------------------------------------------------------------------------------


def test_phq9_worked_example_sums_items_and_reports_each_item() -> None:
    result = score("phq9", [1, 2, 1, 0, 3, 1, 0, 2, 0])
    assert result.total == 10
    assert result.severity == "moderate"
    assert result.flags == ("probable_major_depression",)
    assert [(item.id, item.value, item.loinc) for item in result.items[:2]] == [
        ("1", 1, "44250-9"),
        ("2", 2, "44255-8"),
    ]
    assert result.items[4].answer_label == "Nearly every day"


def test_phq9_item9_of_one_is_suicidal_ideation() -> None:
    assert score("phq9", [0] * 8 + [1]).flags == ("suicidal_ideation",)


def test_phq9_item9_of_zero_raises_no_flag_even_when_severe() -> None:
    result = score("phq9", [3] * 8 + [0])
    assert result.total == 24
    assert "suicidal_ideation" not in result.flags


def test_phq9_probable_depression_starts_at_ten() -> None:
    assert "probable_major_depression" not in score("phq9", [1] * 9).flags  # total 9
    assert "probable_major_depression" in score("phq9", [2, 1, 1, 1, 1, 1, 1, 1, 1]).flags


def test_phq9_difficulty_item_is_recorded_but_not_scored() -> None:
    without = score("phq9", [1] * 9)
    with_item = score("phq9", [1] * 9 + [3])
    assert without.total == with_item.total == 9
    assert with_item.items[9].value == 3
    assert with_item.items[9].scored is False
    assert with_item.items[9].loinc == "69722-7"
    assert without.items[9].value is None


def test_phq9_missing_scored_item_is_refused_not_counted_as_zero() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        score("phq9", [1, 1, None, 1, 1, 1, 1, 1, 1])
    assert caught.value.field == "answers"
    assert "item 3 unanswered" in caught.value.message


def test_phq9_short_answer_list_names_every_missing_item() -> None:
    with pytest.raises(ClinicalInputError, match="items 8, 9 unanswered"):
        score("phq9", [0] * 7)


def test_phq9_answer_outside_options_names_item_and_range() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        score("phq9", [0, 4, 0, 0, 0, 0, 0, 0, 0])
    assert caught.value.field == "answers.2"
    assert "allowed: 0-3" in caught.value.message


def test_phq9_too_many_answers_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="11 answers given but PHQ-9 has 10 items"):
        score("phq9", [0] * 11)


def test_answers_by_item_id_equal_answers_in_order() -> None:
    by_id = score("phq9", {str(i): 1 for i in range(1, 10)})
    by_number = score("phq9", dict.fromkeys(range(1, 10), 1))
    assert by_id == by_number == score("phq9", [1] * 9)


def test_unknown_item_id_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        score("phq9", {"11": 1})
    assert caught.value.field == "answers.11"


def test_to_json_has_the_stable_keys_and_no_other_instrument_keys() -> None:
    data = score("phq9", [0] * 9).to_json()
    assert set(data) == {
        "instrument",
        "version",
        "total",
        "max_total",
        "severity",
        "severity_label",
        "flags",
        "items",
    }
    assert data["items"][0] == {
        "id": "1",
        "label": "Anhedonia",
        "value": 0,
        "answer_label": "Not at all",
        "scored": True,
        "loinc": "44250-9",
    }


# --- PHQ-2 ------------------------------------------------------------------------------


def test_phq2_positive_at_three_by_default() -> None:
    assert score("phq2", [1, 1]).flags == ()
    assert score("phq2", [2, 1]).flags == ("positive_screen",)


def test_phq2_sensitive_cutoff_of_two_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"phq2_positive_min": 2})
    assert score("phq2", [1, 1], settings).flags == ("positive_screen",)
    assert score("phq2", [1, 0], settings).flags == ()


# --- QIDS-SR16 --------------------------------------------------------------------------


def qids(**overrides: int | None) -> list[int | None]:
    answers: list[int | None] = [0] * 16
    for key, value in overrides.items():
        answers[int(key.removeprefix("q")) - 1] = value
    return answers


def test_qids_sleep_domain_takes_the_highest_item_not_the_sum() -> None:
    assert score("qids_sr16", qids(q1=1, q2=2, q3=3, q4=1)).total == 3


def test_qids_appetite_weight_domain_takes_the_highest_of_four() -> None:
    assert score("qids_sr16", qids(q6=1, q7=None, q8=None, q9=2)).total == 2


def test_qids_psychomotor_domain_takes_the_higher_item() -> None:
    assert score("qids_sr16", qids(q15=1, q16=3)).total == 3


def test_qids_single_item_domains_add_up() -> None:
    result = score("qids_sr16", qids(q5=1, q10=1, q11=1, q12=1, q13=1, q14=1))
    assert result.total == 6
    assert result.flags == ("suicidal_ideation",)


def test_qids_all_maximum_is_27() -> None:
    assert score("qids_sr16", [3] * 16).total == 27


def test_qids_needs_one_of_items_6_and_7() -> None:
    with pytest.raises(ClinicalInputError, match="6 or 7 unanswered"):
        score("qids_sr16", qids(q6=None, q7=None))


def test_qids_other_missing_item_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="item 2 unanswered"):
        score("qids_sr16", qids(q2=None))


# --- PCL-5 ------------------------------------------------------------------------------


def pcl5(**rated: int) -> list[int]:
    answers = [0] * 20
    for key, value in rated.items():
        answers[int(key.removeprefix("i")) - 1] = value
    return answers


def test_pcl5_dsm5_rule_met_with_minimum_items_per_cluster() -> None:
    result = score("pcl5", pcl5(i1=2, i6=2, i8=2, i9=2, i15=2, i16=2))
    assert result.total == 12
    assert result.provisional_ptsd is not None
    assert result.provisional_ptsd.by_dsm5_rule is True
    assert result.provisional_ptsd.by_cutoff is False
    assert result.flags == ("provisional_ptsd",)
    assert result.subscales == {"B": 2, "C": 2, "D": 4, "E": 4}


def test_pcl5_dsm5_rule_needs_two_cluster_d_items() -> None:
    result = score("pcl5", pcl5(i1=2, i6=2, i8=2, i9=1, i15=2, i16=2))
    assert result.provisional_ptsd is not None
    assert result.provisional_ptsd.by_dsm5_rule is False


def test_pcl5_items_rated_one_are_not_endorsed() -> None:
    result = score("pcl5", [1] * 20)
    assert result.provisional_ptsd is not None
    assert result.provisional_ptsd.by_dsm5_rule is False
    assert result.flags == ()


@pytest.mark.parametrize(("total", "expected"), [(32, False), (33, True), (34, True)])
def test_pcl5_cutoff_default_33(total: int, expected: bool) -> None:
    answers = [1] * 20
    for index in range(total - 20):
        answers[index] += 1
    result = score("pcl5", answers)
    assert result.total == total
    assert result.provisional_ptsd is not None
    assert result.provisional_ptsd.by_cutoff is expected
    assert result.provisional_ptsd.cutoff == 33


def test_pcl5_cutoff_is_a_clinic_setting() -> None:
    settings = ClinicSettings.from_overrides({"pcl5_provisional_cutoff": 31})
    answers = [1] * 9 + [2] * 11  # total 31
    result = score("pcl5", answers, settings)
    assert result.provisional_ptsd is not None
    assert (result.total, result.provisional_ptsd.by_cutoff) == (31, True)


def test_pcl5_json_carries_provisional_ptsd() -> None:
    data = score("pcl5", [4] * 20).to_json()
    assert data["provisional_ptsd"] == {"by_cutoff": True, "by_dsm5_rule": True, "cutoff": 33}
    assert data["subscales"] == {"B": 20, "C": 8, "D": 28, "E": 24}
    assert "risk" not in data


# --- MADRS ------------------------------------------------------------------------------


def test_madrs_item10_flags_suicidal_thoughts() -> None:
    assert score("madrs", [0] * 9 + [1]).flags == ("suicidal_ideation",)
    assert score("madrs", [6] * 9 + [0]).flags == ()


# --- CADSS ------------------------------------------------------------------------------


def test_cadss_total_and_cadss6_subscale() -> None:
    answers = [0] * 23
    for item in (1, 2, 6, 7, 15, 22):
        answers[item - 1] = 2
    answers[2] = 4  # item 3, not in the short form
    result = score("cadss", answers)
    assert result.total == 16
    assert result.max_total == 92
    assert result.subscales == {"cadss6": 12}


# --- MOAA/S -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "flags"),
    [
        (5, ()),
        (4, ()),
        (3, ("notable_sedation",)),
        (1, ("notable_sedation",)),
        (0, ("notable_sedation", "loss_of_consciousness")),
    ],
)
def test_moaas_flags(rating: int, flags: tuple[str, ...]) -> None:
    assert score("moaas", [rating]).flags == flags


def test_moaas_sedation_threshold_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"moaas_notable_sedation_max": 2, "stop_moaas_max": 1})
    assert score("moaas", [3], settings).flags == ()
    assert score("moaas", [2], settings).flags == ("notable_sedation",)


def test_moaas_missing_rating_is_not_assumed_alert() -> None:
    with pytest.raises(ClinicalInputError, match="item 1 unanswered"):
        score("moaas", [None])


# --- Y-BOCS -----------------------------------------------------------------------------


def test_ybocs_obsession_and_compulsion_subscales() -> None:
    result = score("ybocs", [3, 3, 2, 2, 2, 1, 1, 1, 0, 0])
    assert result.total == 15
    assert result.subscales == {"obsessions": 12, "compulsions": 3}


# --- Pain NRS ---------------------------------------------------------------------------


def test_pain_nrs_scores_the_rating() -> None:
    result = score("pain_nrs", [7])
    assert (result.total, result.max_total, result.items[0].loinc) == (7, 10, "72514-3")


def test_pain_nrs_eleven_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="allowed: 0-10"):
        score("pain_nrs", [11])


def test_unknown_instrument_lists_the_known_ids() -> None:
    with pytest.raises(LookupError, match="unknown instrument 'phq8'; known: phq9, phq2"):
        score("phq8", [0])
