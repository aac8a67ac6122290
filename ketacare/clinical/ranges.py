"""Physiological and record ranges, defined once for the chart, intake, dosing and the API.

A value outside the accepted range is refused (impossible, or outside what the clinic's
protocols and pharmacokinetic models are defined for); inside it but outside the typical band
it is accepted and flagged for a person to confirm. Source: ``ketacare-input-bounds``.
"""

from __future__ import annotations

from ketacare.clinical.validation import Range

#: Adults and adolescents the clinic treats: below 25 kg is a small child (no protocol of the
#: clinic), above 350 kg is beyond what the dosing specification, the PK models
#: (``ketacare.pk.limits``, kept equal by a test) and a clinic's scales and chairs take.
#: Protocol doses are checked over 40-200 kg; outside it a person confirms the weight.
WEIGHT_KG = Range(25, 350, "kg", 40, 200)
#: The shortest and tallest adults recorded (54.6 cm, 272 cm) bound what a chart may hold;
#: 140-210 cm covers nearly all adults, and outside it a person confirms the height.
HEIGHT_CM = Range(50, 272, "cm", 140, 210)
#: Nobody alive is older than 120; beyond 100 a person confirms the date of birth.
AGE_YEARS = Range(0, 120, "years", None, 100)

#: Vital signs (intake and the session timeline): wide enough that no living patient's real
#: reading is refused, with the typical band outside which a person confirms the reading.
SYSTOLIC_MMHG = Range(40, 300, "mmHg", 70, 230)
DIASTOLIC_MMHG = Range(20, 200, "mmHg", 40, 140)
HEART_RATE_PER_MIN = Range(20, 250, "beats/min", 40, 150)
SPO2_PERCENT = Range(50, 100, "%", 85, None)
#: Breaths per minute: 0 is apnoea (a real reading that stops dosing), above 80 is not a
#: breathing rate; outside 8-30 a person confirms the count.
RESPIRATORY_RATE_PER_MIN = Range(0, 80, "breaths/min", 8, 30)

#: A medication trial: up to 10 years at an adequate dose; improvement from -100 % (twice as
#: bad) to 100 % (remission).
TRIAL_WEEKS = Range(0, 520, "weeks")
TRIAL_IMPROVEMENT_PERCENT = Range(-100, 100, "%")

#: Body-mass index (kg/m², computed from the chart's weight and height, never entered): the
#: WHO classes put under 18.5 as underweight and 40 or more as obesity class III (WHO,
#: *Obesity: preventing and managing the global epidemic*, Technical Report Series 894, 2000,
#: table 2.1). Outside [18.5, 40) a person checks the weight and height and the dose basis.
BMI_TYPICAL_LOW = 18.5
BMI_TYPICAL_BELOW = 40.0


def bmi_is_unusual(bmi_kg_per_m2: float) -> bool:
    """Whether a BMI is outside the WHO classes from normal weight to obesity class II."""
    return not BMI_TYPICAL_LOW <= bmi_kg_per_m2 < BMI_TYPICAL_BELOW


def body_mass_index(weight_kg: object, height_cm: object) -> float | None:
    """kg/m² to one decimal, or None unless both are positive numbers (a form's raw values)."""
    try:
        weight, height_m = float(weight_kg), float(height_cm) / 100  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (weight > 0 and height_m > 0):
        return None
    return round(weight / (height_m * height_m), 1)


#: A daily benzodiazepine dose converted to diazepam equivalents (``ashton-equivalence``:
#: e.g. lorazepam 1 mg = diazepam 10 mg): 200 mg/day is beyond the highest doses the
#: conversion tables are used for, so a larger figure is a typing or conversion error.
DIAZEPAM_EQUIVALENT_MG_PER_DAY = Range(0, 200, "mg/day")
