"""Small builders shared by the clinical tests."""

from __future__ import annotations


def spread(total: int, items: int, item_max: int) -> list[int]:
    """Answers for ``items`` summed items (each 0..item_max) that add up to ``total``."""
    assert 0 <= total <= items * item_max
    answers = []
    remaining = total
    for _ in range(items):
        value = min(item_max, remaining)
        answers.append(value)
        remaining -= value
    return answers
