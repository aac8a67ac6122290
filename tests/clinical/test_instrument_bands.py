"""Severity bands at every boundary, against the published tables (not the data files)."""

from __future__ import annotations

import pytest

from ketacare.clinical.instruments import score
from tests.clinical.helpers import spread

# (instrument, number of summed items, item maximum, total, expected severity)
PHQ9 = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately_severe"),
    (19, "moderately_severe"),
    (20, "severe"),
    (27, "severe"),
]
GAD7 = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]
MADRS = [
    (0, "normal"),
    (6, "normal"),
    (7, "mild"),
    (19, "mild"),
    (20, "moderate"),
    (34, "moderate"),
    (35, "severe"),
    (60, "severe"),
]
YBOCS = [
    (0, "subclinical"),
    (7, "subclinical"),
    (8, "mild"),
    (15, "mild"),
    (16, "moderate"),
    (23, "moderate"),
    (24, "severe"),
    (31, "severe"),
    (32, "extreme"),
    (40, "extreme"),
]


@pytest.mark.parametrize(("total", "severity"), PHQ9)
def test_phq9_band(total: int, severity: str) -> None:
    result = score("phq9", spread(total, 9, 3))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(("total", "severity"), GAD7)
def test_gad7_band(total: int, severity: str) -> None:
    result = score("gad7", spread(total, 7, 3))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(("total", "severity"), MADRS)
def test_madrs_band(total: int, severity: str) -> None:
    result = score("madrs", spread(total, 10, 6))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(("total", "severity"), YBOCS)
def test_ybocs_band(total: int, severity: str) -> None:
    result = score("ybocs", spread(total, 10, 4))
    assert (result.total, result.severity) == (total, severity)


def qids_answers(total: int) -> list[int | None]:
    """QIDS-SR16 answers reaching ``total`` through the nine domain maxima."""
    domain_values = spread(total, 9, 3)
    sleep, mood, appetite, conc, view, suicide, interest, energy, psychomotor = domain_values
    return [
        sleep, 0, 0, 0,
        mood,
        appetite, None, 0, None,
        conc, view, suicide, interest, energy,
        psychomotor, 0,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "none"),
        (5, "none"),
        (6, "mild"),
        (10, "mild"),
        (11, "moderate"),
        (15, "moderate"),
        (16, "severe"),
        (20, "severe"),
        (21, "very_severe"),
        (27, "very_severe"),
    ],
)
def test_qids_band(total: int, severity: str) -> None:
    result = score("qids_sr16", qids_answers(total))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize("instrument", ["pcl5", "cadss", "moaas", "pain_nrs", "phq2"])
def test_instruments_without_published_bands_have_no_severity(instrument: str) -> None:
    sizes = {"pcl5": 20, "cadss": 23, "moaas": 1, "pain_nrs": 1, "phq2": 2}
    result = score(instrument, [1] * sizes[instrument])
    assert (result.severity, result.severity_label) == (None, None)
