"""Follow-up questionnaire answers for the demo: each item falls from its baseline answer as
the treatment works, with some noise, so a patient's PHQ-9 and GAD-7 trajectories look like
responses to a course of treatment rather than random numbers."""

from __future__ import annotations

import random
from collections.abc import Sequence

#: The PHQ-9's item 9 (thoughts of being better off dead or of self-harm), 0-based.
PHQ9_ITEM_9 = 8
ITEM_MAX = 3


def followup_answers(
    clock: random.Random,
    baseline: Sequence[int | None],
    remaining: float,
    *,
    item_9: int | None = None,
) -> list[int | None]:
    """Answers where each baseline answer keeps about ``remaining`` (0-1) of its value;
    ``item_9`` sets the PHQ-9's item 9 (the others are any instrument's)."""
    answers: list[int | None] = []
    for answer in baseline:
        if answer is None:
            answers.append(None)
            continue
        value = round(answer * remaining + clock.uniform(-0.5, 0.5))
        answers.append(min(ITEM_MAX, max(0, value)))
    if item_9 is not None:
        answers[PHQ9_ITEM_9] = item_9
    return answers


def remaining_after(visit: int, speed: float) -> float:
    """How much of the baseline symptoms remain at the n-th follow-up (1-based): falling by
    ``speed`` a visit, to a floor of a quarter."""
    return max(0.25, 1 - speed * visit)
