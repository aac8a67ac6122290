"""One definition of each physiological range (``ketacare.clinical.ranges``): the chart, intake,
dosing, the PK engine and the API schema refuse and accept the same values, and the dosing
core refuses numbers that are not finite, naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ketacare.clinical import ranges
from ketacare.clinical.dose_mg import calculate_dose_mg
from ketacare.clinical.dosing import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG, calculate_dose
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import Intake, parse_intake
from ketacare.clinical.validation import Range
from ketacare.lib.errors import FieldErrors
from ketacare.patients import rules
from ketacare.patients import services as patients
from ketacare.patients.models import BodyMeasurement
from ketacare.patients.schemas import PART_IN
from ketacare.pk import Patient as PkPatient
from ketacare.pk import limits
from ketacare.pk.errors import PkInputError
from ketacare.screening.api import IntakeIn
from tests.candidacy import fields
from tests.conftest import Cast

WEIGHT = (ranges.WEIGHT_KG.low, ranges.WEIGHT_KG.high)
HEIGHT = (ranges.HEIGHT_CM.low, ranges.HEIGHT_CM.high)


def _core(model: type[Any], name: str) -> Range:
    (found,) = [m for m in model.model_fields[name].metadata if isinstance(m, Range)]
    return found


def _schema_bounds(schema: dict[str, Any], name: str) -> tuple[float, float]:
    prop = schema["properties"][name]
    while "anyOf" in prop:  # optional, and number-or-decimal-text
        prop = next(p for p in prop["anyOf"] if p.get("type") == "number" or "anyOf" in p)
    return prop["minimum"], prop["maximum"]


def _intake(**overrides: Any) -> dict[str, Any]:
    return {**fields(**overrides), "age_years": 45, "sex": "male"}


# --- the same bounds everywhere ---------------------------------------------------------------


def test_the_clinical_ranges_are_25_to_350_kg_and_50_to_272_cm() -> None:
    assert (WEIGHT, HEIGHT) == ((25, 350), (50, 272))
    assert (ranges.WEIGHT_KG.unit, ranges.HEIGHT_CM.unit) == ("kg", "cm")


def test_the_pk_engine_limits_are_the_clinical_weight_range() -> None:
    assert (limits.WEIGHT_MIN_KG, limits.WEIGHT_MAX_KG) == WEIGHT


def test_the_chart_limits_are_the_clinical_ranges() -> None:
    assert (rules.WEIGHT_ALLOWED.low, rules.WEIGHT_ALLOWED.high) == WEIGHT
    assert (rules.HEIGHT_ALLOWED.low, rules.HEIGHT_ALLOWED.high) == HEIGHT
    assert (rules.WEIGHT_USUAL.low, rules.WEIGHT_USUAL.high) == (
        ranges.WEIGHT_KG.typical_low,
        ranges.WEIGHT_KG.typical_high,
    )
    assert (rules.FIELD_RANGES["weight_kg"], rules.FIELD_RANGES["height_cm"]) == (
        rules.WEIGHT_ALLOWED,
        rules.HEIGHT_ALLOWED,
    )


def test_the_intake_document_uses_the_clinical_ranges() -> None:
    assert _core(Intake, "weight_kg") == ranges.WEIGHT_KG
    assert _core(Intake, "height_cm") == ranges.HEIGHT_CM
    schema = Intake.model_json_schema()
    assert (_schema_bounds(schema, "weight_kg"), _schema_bounds(schema, "height_cm")) == (
        WEIGHT,
        HEIGHT,
    )


def test_the_dose_calculation_uses_the_clinical_ranges() -> None:
    assert (WEIGHT_RANGE_KG, HEIGHT_RANGE_CM) == (WEIGHT, HEIGHT)


def test_the_api_schemas_state_the_clinical_ranges() -> None:
    measurement = PART_IN["measurements"].model_json_schema()
    intake = IntakeIn.model_json_schema()
    assert {
        "measurement weight": _schema_bounds(measurement, "weight_kg"),
        "measurement height": _schema_bounds(measurement, "height_cm"),
        "intake weight": _schema_bounds(intake, "weight_kg"),
        "intake height": _schema_bounds(intake, "height_cm"),
    } == {
        "measurement weight": WEIGHT,
        "measurement height": HEIGHT,
        "intake weight": WEIGHT,
        "intake height": HEIGHT,
    }


# --- 24.9 kg is refused everywhere, 350 kg accepted everywhere --------------------------------


def test_the_chart_refuses_24_9_kg(cast: Cast) -> None:
    count = BodyMeasurement.objects.count()
    with pytest.raises(FieldErrors) as caught:
        patients.part_create(
            cast.actor(cast.nurse),
            cast.dan.pk,
            "measurements",
            data={"measured_on": date(2026, 1, 6), "weight_kg": Decimal("24.9")},
        )
    assert caught.value.errors == {"weight_kg": "must be between 25 and 350 kg; got 24.9"}
    assert BodyMeasurement.objects.count() == count


def test_the_chart_accepts_350_kg_and_flags_it(cast: Cast) -> None:
    saved = patients.part_create(
        cast.actor(cast.nurse),
        cast.dan.pk,
        "measurements",
        data={"measured_on": date(2026, 1, 6), "weight_kg": Decimal("350")},
    )
    assert BodyMeasurement.objects.get(pk=saved.obj.pk).weight_kg == Decimal("350.0")
    assert saved.flags == [
        "Weight 350 kg is outside the usual 40–200 kg range: please double-check"
    ]


def test_intake_refuses_24_9_kg() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        parse_intake(_intake(weight_kg=24.9))
    assert (caught.value.field, caught.value.message) == (
        "weight_kg",
        "24.9 is outside the allowed range 25-350 kg",
    )


def test_intake_accepts_350_kg() -> None:
    assert parse_intake(_intake(weight_kg=350)).weight_kg == 350


def test_the_dose_calculation_refuses_24_9_kg() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose("depression-iv-induction", weight_kg=24.9)
    assert (caught.value.field, caught.value.message) == (
        "weight_kg",
        "24.9 is outside the allowed range 25-350 kg",
    )


def test_the_dose_calculation_accepts_350_kg() -> None:
    result = calculate_dose("depression-iv-induction", weight_kg=350)
    # 0.5 mg/kg x 350 kg.
    assert (result.dose_mg, result.dose_weight_kg) == (175.0, 350.0)
    assert result.warnings == ("weight_kg 350 is unusual (typical 40-200 kg); confirm it",)


def test_the_pk_engine_refuses_24_9_kg_and_accepts_350() -> None:
    with pytest.raises(PkInputError) as caught:
        PkPatient(weight_kg=24.9, age_years=45, sex="male")
    assert str(caught.value) == "weight_kg must be between 25 and 350 kg, got 24.9"
    assert PkPatient(weight_kg=350, age_years=45, sex="male").weight_kg == 350


@pytest.mark.parametrize(("weight", "accepted"), [(24.9, False), (25, True), (350, True)])
def test_the_chart_intake_and_dosing_agree_on_the_edges(
    cast: Cast, weight: float, accepted: bool
) -> None:
    def outcome(check: Any) -> bool:
        try:
            check()
        except (FieldErrors, ClinicalInputError):
            return False
        return True

    answers = {
        "chart": outcome(
            lambda: patients.part_create(
                cast.actor(cast.nurse),
                cast.dan.pk,
                "measurements",
                data={"measured_on": date(2026, 1, 6), "weight_kg": Decimal(str(weight))},
            )
        ),
        "intake": outcome(lambda: parse_intake(_intake(weight_kg=weight))),
        "dosing": outcome(lambda: calculate_dose("depression-iv-induction", weight_kg=weight)),
    }
    assert answers == {"chart": accepted, "intake": accepted, "dosing": accepted}


# --- numbers that are not finite --------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("field", ["weight_kg", "concentration_mg_per_ml", "dose_mg_per_kg"])
def test_the_dose_calculation_refuses_a_number_that_is_not_finite(field: str, value: float) -> None:
    given = {"weight_kg": 80.0, field: value}
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose("depression-iv-induction", **given)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.message) == (
        field,
        f"{value} is not a number: give a finite value",
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(
    "protocol", ["depression-iv-induction", "depression-im", "esketamine-trd-induction"]
)
def test_a_dose_in_mg_that_is_not_finite_is_refused_for_every_dose_rule(
    protocol: str, value: float
) -> None:
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose_mg(protocol, dose_mg=value, weight_kg=80.0, age_years=45)
    assert (caught.value.field, caught.value.message) == (
        "dose_mg",
        f"{value} is not a number: give a finite value",
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_the_dose_calculation_refuses_a_fixed_dose_that_is_not_finite(value: float) -> None:
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose("esketamine-trd-induction", weight_kg=80.0, age_years=45, dose_mg=value)
    assert (caught.value.field, caught.value.message) == (
        "dose_mg",
        f"{value} is not a number: give a finite value",
    )


def test_the_concentration_range_is_refused_in_the_dosing_core() -> None:
    for value in (1e-20, 0.09, 100.5):
        with pytest.raises(ClinicalInputError) as caught:
            calculate_dose("depression-iv-induction", weight_kg=82.5, concentration_mg_per_ml=value)
        assert (caught.value.field, caught.value.message) == (
            "concentration_mg_per_ml",
            f"{value:g} is outside the allowed range 0.1-100 mg/mL",
        )
    weakest = calculate_dose("depression-iv-induction", weight_kg=82.5, concentration_mg_per_ml=0.1)
    assert (weakest.dose_mg, weakest.volume_ml) == (41.3, 413.0)
