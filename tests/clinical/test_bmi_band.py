"""The BMI the chart computes is unusual outside the WHO classes from normal weight to
obesity class II (18.5 to under 40 kg/m²; ketacare.clinical.ranges)."""

from __future__ import annotations

import pytest

from ketacare.clinical.ranges import bmi_is_unusual


@pytest.mark.parametrize(
    ("bmi", "unusual"),
    [
        (16.5, True),
        (18.4, True),
        (18.5, False),
        (24.9, False),
        (39.9, False),
        (40.0, True),
        (42.8, True),
    ],
)
def test_a_bmi_is_unusual_outside_18_5_to_under_40(bmi: float, unusual: bool) -> None:
    assert bmi_is_unusual(bmi) is unusual
