"""Properties of screening and safety: more risk never yields a more permissive answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.screening.results import DECISION_ORDER
from ketacare.clinical.settings import ClinicSettings
from tests.clinical.intakes import HISTORY_KEYS, decisions, run
from tests.clinical.sessions import BASELINE, racemic, reading

RISK_FACTS = st.sets(st.sampled_from(HISTORY_KEYS))


@settings(max_examples=60, deadline=None)
@given(RISK_FACTS, st.sampled_from(HISTORY_KEYS))
def test_another_history_item_never_improves_a_decision(present: set[str], extra: str) -> None:
    before = decisions(run(**{f"history__{key}": True for key in present}))
    after = decisions(run(**{f"history__{key}": True for key in present | {extra}}))
    for option, decision in before.items():
        assert DECISION_ORDER.index(after[option]) >= DECISION_ORDER.index(decision), option


@settings(max_examples=60, deadline=None)
@given(st.integers(90, 220), st.integers(50, 89), st.integers(1, 30))
def test_higher_intake_blood_pressure_never_improves_a_decision(
    systolic: int, diastolic: int, rise: int
) -> None:
    before = decisions(run(vitals__systolic=systolic, vitals__diastolic=diastolic))
    after = decisions(run(vitals__systolic=min(systolic + rise, 300), vitals__diastolic=diastolic))
    for option, decision in before.items():
        assert DECISION_ORDER.index(after[option]) >= DECISION_ORDER.index(decision)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(100, 230), st.integers(60, 99)), min_size=1, max_size=8),
    st.integers(0, 7),
    st.integers(1, 40),
)
def test_raising_one_reading_never_removes_a_stop(
    pressures: list[tuple[int, int]], index: int, rise: int
) -> None:
    timeline = [reading(5 * (i + 1), bp) for i, bp in enumerate(pressures)]
    position = index % len(timeline)
    raised = [dict(r) for r in timeline]
    raised[position]["systolic_mmhg"] = min(raised[position]["systolic_mmhg"] + rise, 300)
    if racemic([BASELINE, *timeline]).stop_dosing:
        assert racemic([BASELINE, *raised]).stop_dosing


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 15))
def test_a_longer_repeat_interval_never_adds_a_stop(interval: int) -> None:
    timeline = [BASELINE, reading(10, (185, 100)), reading(15, (185, 100)), reading(22, (185, 100))]
    strict = ClinicSettings.from_overrides({"stop_repeat_interval_min": interval})
    looser = ClinicSettings.from_overrides({"stop_repeat_interval_min": min(interval + 1, 15)})
    if racemic(timeline, looser).stop_dosing:
        assert racemic(timeline, strict).stop_dosing


_TRIALS = st.lists(
    st.tuples(
        st.sampled_from(["sertraline", "Sertraline ", "fluoxetine", "venlafaxine", "bupropion"]),
        st.sampled_from(["ssri", "snri", "ndri"]),
        st.floats(0, 20),
        st.floats(-50, 80),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(_TRIALS, st.booleans())
def test_trials_count_at_most_once_per_drug_and_re_entering_one_changes_nothing(
    specs: list[tuple[str, str, float, float]], require_classes: bool
) -> None:
    """ "At least two different oral antidepressants" (spravato-pi-indications): the count never
    exceeds the number of distinct drugs, and entering a trial a second time never changes the
    count or the verdict."""
    from ketacare.clinical.intake import MedicationTrial
    from ketacare.clinical.trd import assess_trd, drug_key

    trials = [
        MedicationTrial(
            drug=drug,
            drug_class=cls,
            weeks_at_adequate_dose=weeks,
            improvement_percent=improvement,
            current_episode=True,
        )
        for drug, cls, weeks, improvement in specs
    ]
    clinic = ClinicSettings.from_overrides({"trd_require_distinct_classes": require_classes})
    result = assess_trd(trials, clinic)
    assert result.adequate_trials <= len({drug_key(t.drug) for t in trials})
    if trials:
        again = assess_trd([*trials, trials[0]], clinic)
        assert (again.adequate_trials, again.treatment_resistant) == (
            result.adequate_trials,
            result.treatment_resistant,
        )
