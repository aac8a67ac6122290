"""The model files: every value sourced, unconfirmed values flagged, systems well formed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ketacare.pk.catalog import get_model, models
from ketacare.pk.individual import Covariates, parameter_values
from ketacare.pk.patient import Patient
from ketacare.pk.spec import SpecError, spec_from_mapping
from ketacare.pk.system import build_system

ALL = sorted(models())


def test_the_library_has_the_models_the_clinic_needs() -> None:
    assert set(ALL) == {
        "kamp2020",
        "domino",
        "clements250",
        "hijazi2003",
        "herd2007",
        "perez_ruixo2021",
        "otto2021",
        "simons2022",
    }


@pytest.mark.parametrize("model_id", ALL)
def test_every_parameter_and_variability_block_has_a_source(model_id: str) -> None:
    spec = get_model(model_id)
    # a year and a findable reference: doi, PMID or journal volume:page
    assert re.search(r"(19|20)\d\d", spec.citation)
    assert re.search(r"doi:|PMID|\d+:\d+", spec.citation)
    for p in spec.parameters.values():
        assert len(p.source) > 10, p.name
    for block in spec.iiv:
        assert len(block.source) > 10


@pytest.mark.parametrize(
    ("model_id", "param"),
    [
        ("clements250", "V1"),
        ("domino", "V1"),
        ("kamp2020", "k_venous"),
        ("kamp2020", "F_im"),
        ("kamp2020", "F_nasal"),
        ("kamp2020", "ka_im"),
        ("simons2022", "VK1"),
    ],
)
def test_values_the_reference_marks_unconfirmed_say_so(model_id: str, param: str) -> None:
    assert get_model(model_id).parameters[param].unconfirmed


@pytest.mark.parametrize("model_id", ALL)
def test_system_is_stable_and_invertible(model_id: str) -> None:
    """Every state drains (eigenvalues with negative real part), so x* = -A^-1 u exists."""
    spec = get_model(model_id)
    params = parameter_values(spec, Covariates.of([Patient(70.0)]))
    a = build_system(spec, params).a_per_min[0]
    eig = np.linalg.eigvals(a)
    assert np.all(eig.real < 0.0)


def test_kamp_derived_quantities_match_the_reference() -> None:
    """At 70 kg: Vss 238 L, CL 84 L/h (abstract weighted means 252 L and 79 L/h)."""
    spec = get_model("kamp2020")
    params = parameter_values(spec, Covariates.of([Patient(70.0)]))
    assert params["V1"][0] + params["V2"][0] + params["V3"][0] == pytest.approx(238.0)
    assert params["CL"][0] * 60.0 == pytest.approx(84.0)


def test_allometric_and_per_kg_scaling() -> None:
    heavy = Covariates.of([Patient(140.0)])
    kamp = parameter_values(get_model("kamp2020"), heavy)
    assert kamp["V1"][0] == pytest.approx(50.0)
    assert kamp["CL"][0] * 60.0 == pytest.approx(84.0 * 2.0**0.75)
    domino = parameter_values(get_model("domino"), heavy)
    assert domino["V1"][0] == pytest.approx(0.063 * 140.0)


def test_perez_ruixo_covariates() -> None:
    spec = get_model("perez_ruixo2021")
    cov = Covariates.of([Patient(70.0, age_years=75.0, race="japanese")])
    params = parameter_values(spec, cov)
    assert params["Qh"][0] * 60.0 == pytest.approx(151.0 - 2.19 * 15.0)
    assert params["kel"][0] * 60.0 == pytest.approx(1.11 * 0.36)
    assert params["CLn"][0] * 60.0 == pytest.approx(38.0 * 0.81)
    assert params["FRn"][0] == pytest.approx(0.54 * 1.34)


def test_bad_model_files_are_refused() -> None:
    good = {
        "id": "x",
        "drug": "ketamine",
        "name": "x",
        "citation": "x",
        "evidence": "x",
        "sampling": "unspecified",
        "sampling_source": "x",
        "population": "x",
        "weight_range_kg": [25, 350],
        "age_range_years": [1, 120],
        "central": "central",
        "compartments": [{"name": "central", "volume": "V"}],
        "transfers": [{"kind": "clearance", "from": "central", "param": "CL"}],
        "parameters": {
            "V": {"value": 10.0, "unit": "L", "source": "somewhere real"},
            "CL": {"value": 5.0, "unit": "L/h", "source": "somewhere real"},
        },
        "routes": {"iv": {"source": "x", "inputs": [{"compartment": "central"}]}},
    }
    spec_from_mapping(good)
    for broken, message in [
        (
            {
                "parameters": {
                    "V": {"value": 10.0, "unit": "gallons", "source": "s"},
                    "CL": good["parameters"]["CL"],
                }
            },
            "unknown unit",
        ),  # type: ignore[index]
        (
            {"transfers": [{"kind": "clearance", "from": "central", "param": "K"}]},
            "unknown parameter 'K'",
        ),
        (
            {"routes": {"iv": {"source": "x", "inputs": [{"compartment": "gut"}]}}},
            "unknown compartment 'gut'",
        ),
        ({"drug": "caffeine"}, "drug 'caffeine'"),
        (
            {
                "parameters": {
                    "V": {"value": 10.0, "unit": "L", "source": " "},
                    "CL": good["parameters"]["CL"],
                }
            },
            "has no source",
        ),  # type: ignore[index]
    ]:
        with pytest.raises(SpecError, match=message):
            spec_from_mapping({**good, **broken})
