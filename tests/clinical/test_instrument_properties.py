"""Properties that hold for every instrument: totals stay in range, scores are monotonic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.instruments import compare, get_instrument, load_instruments, score
from ketacare.clinical.settings import RISK_ORDER

SUMMED = [iid for iid, d in load_instruments().items() if d.scoring == "sum"]


@st.composite
def complete_answers(draw: st.DrawFn) -> tuple[str, list[int]]:
    instrument_id = draw(st.sampled_from(SUMMED))
    definition = get_instrument(instrument_id)
    answers = [
        draw(st.sampled_from(definition.option_set(item).values)) for item in definition.items
    ]
    return instrument_id, answers


@given(complete_answers())
def test_total_lies_within_the_instrument_range(case: tuple[str, list[int]]) -> None:
    instrument_id, answers = case
    definition = get_instrument(instrument_id)
    result = score(instrument_id, answers)
    assert definition.min_total <= result.total <= definition.max_total
    assert (result.severity is None) == (not definition.bands)


@given(complete_answers(), st.data())
def test_raising_one_answer_never_lowers_the_total(
    case: tuple[str, list[int]], data: st.DataObject
) -> None:
    instrument_id, answers = case
    definition = get_instrument(instrument_id)
    index = data.draw(st.integers(0, len(answers) - 1))
    values = definition.option_set(definition.items[index]).values
    higher = data.draw(st.sampled_from([v for v in values if v >= answers[index]]))
    raised = list(answers)
    raised[index] = higher
    assert score(instrument_id, raised).total >= score(instrument_id, answers).total


@st.composite
def cssrs_answers(draw: st.DrawFn) -> list[int | None]:
    q1, q2 = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    q345 = [draw(st.integers(0, 1)) for _ in range(3)] if q2 else [0, 0, 0]
    q6 = draw(st.integers(0, 1))
    recency: int | None = draw(st.sampled_from([0, 1, None])) if q6 else 0
    return [q1, q2, *q345, q6, recency]


@given(cssrs_answers(), st.integers(0, 5))
def test_cssrs_another_yes_never_lowers_risk(answers: list[int | None], index: int) -> None:
    raised = list(answers)
    raised[index] = 1
    if index == 1:  # a yes to question 2 opens questions 3-5
        raised[2:5] = [v or 0 for v in raised[2:5]]
    if index in (2, 3, 4):
        raised[1] = 1
    if index == 5 and raised[6] == 0 and answers[5] == 0:
        raised[6] = None
    before = score("cssrs_screener", answers).risk
    after = score("cssrs_screener", raised).risk
    assert before is not None and after is not None
    assert RISK_ORDER.index(after) >= RISK_ORDER.index(before)


@given(st.integers(1, 27), st.integers(0, 27))
def test_phq9_response_matches_the_percent_change(baseline: int, current: int) -> None:
    change = compare("phq9", baseline, current)
    assert change.response is ((baseline - current) / baseline >= 0.5)
    assert change.remission is (current < 5)
