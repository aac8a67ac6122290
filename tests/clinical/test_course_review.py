"""Course review: non-response after IV induction, the Spravato end-of-induction check and
treatment-emergent mania, with every boundary and the order of the scores irrelevant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.course_review import CourseFlag, CourseScore, review_course
from ketacare.clinical.errors import ClinicalInputError, UnknownIdError
from ketacare.clinical.labels import has_label, label
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite

START = date(2026, 3, 2)
IV = "depression-iv-induction"
SPRAVATO = "esketamine-trd-induction"
NONRESPONSE_SOURCE = cite("sanacora-2017-unverified", "translpsych-2024-nonimprovement")


def review(**changes: Any) -> tuple[CourseFlag, ...]:
    args: dict[str, Any] = {
        "protocol_id": IV,
        "phase": "induction",
        "sessions_done": 3,
        "course_started": START,
        "today": START + timedelta(days=7),
        "scores": [],
        "bipolar": False,
    }
    args.update(changes)
    return review_course(**args)


def phq9(total: float, day: int, session: int | None) -> CourseScore:
    return CourseScore("phq9", total, START + timedelta(days=day), session)


def codes(flags: tuple[CourseFlag, ...]) -> list[str]:
    return [flag.code for flag in flags]


# --- Non-response -----------------------------------------------------------------------


def test_no_20_percent_fall_after_3_iv_sessions_flags_nonresponse() -> None:
    """Reference §2.1 (Sanacora 2017, unverified): review after about 3 infusions without
    response; improvement = >= 20 % fall (translpsych-2024-nonimprovement)."""
    flags = review(scores=[phq9(20, 0, 0), phq9(17, 7, 3)])
    assert flags == (
        CourseFlag(
            "nonresponse_review",
            "No symptom score has fallen 20 % or more from baseline after 3 IV induction "
            "sessions: PHQ-9 20 -> 17 (15 % lower). Review the benefit and risk of continuing.",
            NONRESPONSE_SOURCE,
        ),
    )


@pytest.mark.parametrize(("current", "flagged"), [(16, False), (17, True)])
def test_nonresponse_boundary_is_exactly_20_percent(current: int, flagged: bool) -> None:
    """20 -> 16 is a 20 % fall (not flagged); 20 -> 17 is 15 % (flagged)
    (setting course_nonresponse_improvement_percent, translpsych-2024-nonimprovement)."""
    flags = review(scores=[phq9(20, 0, 0), phq9(current, 7, 3)])
    assert codes(flags) == (["nonresponse_review"] if flagged else [])


@pytest.mark.parametrize(("sessions", "flagged"), [(2, False), (3, True)])
def test_nonresponse_waits_for_the_session_setting(sessions: int, flagged: bool) -> None:
    """Not judged before course_nonresponse_sessions_iv (3) sessions (sanacora-2017-unverified)."""
    flags = review(sessions_done=sessions, scores=[phq9(20, 0, 0), phq9(20, 6, sessions)])
    assert codes(flags) == (["nonresponse_review"] if flagged else [])


def test_a_score_from_before_session_3_does_not_count_as_follow_up() -> None:
    """Only a score taken after the 3rd session judges response (translpsych-2024-...)."""
    flags = review(scores=[phq9(20, 0, 0), phq9(20, 2, 1)])
    assert flags == (
        CourseFlag(
            "course_scores_missing",
            "No symptom score can be compared with its baseline after 3 IV induction "
            "sessions: record a baseline and a score after session 3 to judge response.",
            NONRESPONSE_SOURCE,
        ),
    )


def test_a_score_without_a_session_number_never_judges_response() -> None:
    """How many sessions an unnumbered score reflects is unknown, so it is no follow-up;
    one dated before the start is a baseline (translpsych-2024-nonimprovement)."""
    flags = review(scores=[phq9(20, -2, None), phq9(20, 6, None)])
    assert codes(flags) == ["course_scores_missing"]
    assert codes(review(scores=[phq9(20, -2, None), phq9(20, 6, 3)])) == ["nonresponse_review"]


def test_improvement_on_any_symptom_measure_is_enough() -> None:
    """A 20 % MADRS fall answers the question even if PHQ-9 did not move (translpsych-2024
    used MADRS)."""
    madrs = [CourseScore("madrs", 30, START, 0), CourseScore("madrs", 24, START, 3)]
    assert review(scores=[phq9(20, 0, 0), phq9(20, 7, 3), *madrs]) == ()


def test_nonresponse_settings_are_clinic_settings() -> None:
    """Both numbers are settings (course_nonresponse_sessions_iv, ..._improvement_percent)."""
    settings = ClinicSettings.from_overrides(
        {"course_nonresponse_sessions_iv": 4, "course_nonresponse_improvement_percent": 10}
    )
    scores = [phq9(20, 0, 0), phq9(17, 7, 3)]
    assert review(settings=settings, scores=scores) == ()
    later = [*scores, phq9(19, 7, 4)]
    assert codes(review(settings=settings, sessions_done=4, scores=later)) == ["nonresponse_review"]


def test_nonresponse_is_only_for_racemic_iv_induction() -> None:
    """The consensus figure is for IV infusions (sanacora-2017-unverified)."""
    scores = [phq9(20, 0, 0), phq9(20, 7, 3)]
    assert review(protocol_id="depression-iv-maintenance", phase="maintenance", scores=scores) == ()
    assert review(protocol_id="depression-im", phase="course", scores=scores) == ()


# --- Spravato end of induction ------------------------------------------------------------


def spravato(**changes: Any) -> tuple[CourseFlag, ...]:
    return review(**{"protocol_id": SPRAVATO, "phase": "induction", **changes})


@pytest.mark.parametrize(
    ("days", "sessions", "due"),
    [(27, 7, False), (28, 7, True), (20, 8, True)],
)
def test_spravato_benefit_check_due_after_week_4_or_8_sessions(
    days: int, sessions: int, due: bool
) -> None:
    """SPRAVATO PI §2: at the end of induction (weeks 1-4, twice weekly) evaluate the
    evidence of therapeutic benefit (spravato-pi-induction-review)."""
    flags = spravato(today=START + timedelta(days=days), sessions_done=sessions)
    assert codes(flags) == (["spravato_induction_benefit_check"] if due else [])


def test_spravato_benefit_check_message_and_until_recorded() -> None:
    """The check shows the latest change and stays due until recorded (spravato-pi-...)."""
    scores = [
        CourseScore("madrs", 32, START, 0),
        CourseScore("madrs", 14, START + timedelta(27), 8),
    ]
    flags = spravato(today=START + timedelta(days=28), sessions_done=8, scores=scores)
    assert flags == (
        CourseFlag(
            "spravato_induction_benefit_check",
            "End of Spravato induction (28 days since the course began, 8 sessions): evaluate "
            "the evidence of therapeutic benefit to determine the need for continued "
            "treatment. Latest: MADRS 32 -> 14 (56.2 % lower).",
            cite("spravato-pi-induction-review"),
        ),
    )
    recorded = spravato(
        today=START + timedelta(days=40), sessions_done=9, benefit_check_recorded=True
    )
    assert recorded == ()


# --- Treatment-emergent mania -------------------------------------------------------------


def ymrs(total: float, day: int) -> CourseScore:
    return CourseScore("ymrs", total, START + timedelta(days=day), None)


@pytest.mark.parametrize(("total", "flagged"), [(9, False), (10, True)])
def test_ymrs_rise_from_baseline_flags_mania(total: int, flagged: bool) -> None:
    """A rise of course_mania_ymrs_rise_points (6) from baseline (ymrs-emergent-mania-
    convention, unconfirmed)."""
    flags = review(bipolar=True, sessions_done=1, scores=[ymrs(4, -1), ymrs(total, 5)])
    assert codes(flags) == (["treatment_emergent_mania"] if flagged else [])


def test_ymrs_at_the_cutoff_flags_mania_with_the_numbers() -> None:
    """YMRS >= course_mania_ymrs_min (16) during the course (ymrs-emergent-mania-convention);
    the YMRS range 0-60 is young-1978-ymrs."""
    flags = review(bipolar=True, sessions_done=1, scores=[ymrs(12, -1), ymrs(16, 5)])
    assert flags == (
        CourseFlag(
            "treatment_emergent_mania",
            "YMRS 16 on 2026-03-07 (at or above 16): review for treatment-emergent mania or "
            "hypomania before the next dose.",
            cite("ymrs-emergent-mania-convention", "young-1978-ymrs"),
        ),
    )
    assert review(bipolar=True, sessions_done=1, scores=[ymrs(12, -1), ymrs(15, 5)]) == ()


def test_mania_check_is_for_bipolar_patients_only() -> None:
    """The check is a bipolar course rule (issue 11; ymrs-emergent-mania-convention)."""
    assert review(bipolar=False, sessions_done=1, scores=[ymrs(2, -1), ymrs(30, 5)]) == ()


# --- Bad input ----------------------------------------------------------------------------


def test_bad_input_names_the_field_and_range() -> None:
    """Impossible values are refused with the field and the allowed range (DESIGN)."""
    with pytest.raises(ClinicalInputError) as caught:
        review(scores=[phq9(28, 0, 0)])
    assert (caught.value.field, caught.value.message) == (
        "scores[0].total",
        "28 is outside the PHQ-9 range 0-27",
    )
    with pytest.raises(ClinicalInputError) as caught:
        review(scores=[phq9(17.5, 0, 0)])
    assert caught.value.message == "17.5 is not a whole number"
    with pytest.raises(ClinicalInputError) as caught:
        review(scores=[ymrs(61, 0)])
    assert caught.value.message == "61 is outside the YMRS range 0-60"
    with pytest.raises(ClinicalInputError) as caught:
        review(scores=[phq9(10, 0, 4)])
    assert (caught.value.field, caught.value.message) == (
        "scores[0].session_number",
        "4 is outside 0-3 (the sessions done so far)",
    )
    with pytest.raises(ClinicalInputError) as caught:
        review(phase="maintenance")
    assert (
        caught.value.message
        == "'maintenance' is not a phase of depression-iv-induction: ['induction']"
    )
    with pytest.raises(ClinicalInputError) as caught:
        review(sessions_done=-1)
    assert caught.value.message == "-1 is outside the allowed range 0-365"
    with pytest.raises(ClinicalInputError) as caught:
        review(scores=[phq9(10, 30, None)])
    assert caught.value.field == "scores[0].taken_on"
    with pytest.raises(UnknownIdError):
        review(protocol_id="no-such-protocol")


# --- Order independence -------------------------------------------------------------------

SCORE = st.builds(
    CourseScore,
    instrument_id=st.sampled_from(["phq9", "madrs", "ymrs"]),
    total=st.integers(0, 27),
    taken_on=st.dates(START - timedelta(days=3), START + timedelta(days=30)),
    session_number=st.one_of(st.none(), st.integers(0, 8)),
)


@given(
    st.lists(SCORE, max_size=8),
    st.randoms(use_true_random=False),
    st.sampled_from([(IV, "induction"), (SPRAVATO, "induction")]),
    st.integers(0, 8),
)
def test_flags_never_depend_on_the_order_of_the_scores(
    scores: list[CourseScore], rng: Any, protocol: tuple[str, str], sessions: int
) -> None:
    """The same scores in any order give the same flags (issue 11 property)."""
    scores = [s for s in scores if s.session_number is None or s.session_number <= sessions]
    shuffled = list(scores)
    rng.shuffle(shuffled)
    args = {
        "protocol_id": protocol[0],
        "phase": protocol[1],
        "sessions_done": sessions,
        "course_started": START,
        "today": START + timedelta(days=30),
        "bipolar": True,
    }
    assert review_course(scores=scores, **args) == review_course(scores=shuffled, **args)


def test_every_course_flag_code_is_labelled() -> None:
    """People see labels, not codes (DESIGN); the four codes of course_review.py."""
    emitted = {
        *codes(review(scores=[phq9(20, 0, 0), phq9(20, 7, 3)])),
        *codes(review()),
        *codes(review(protocol_id=SPRAVATO, sessions_done=8)),
        *codes(review(bipolar=True, sessions_done=1, scores=[ymrs(2, -1), ymrs(30, 5)])),
    }
    assert emitted == {
        "nonresponse_review",
        "course_scores_missing",
        "spravato_induction_benefit_check",
        "treatment_emergent_mania",
    }
    assert all(has_label("course_flag", code) for code in emitted)
    assert label("course_flag", "treatment_emergent_mania") == "Possible treatment-emergent mania"
