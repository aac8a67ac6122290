"""``ketacare pk ...`` through the real entry point: output formats, exit codes, messages."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ketacare.cli import main

SIMULATE_KEYS = {
    "t_min",
    "conc_ng_per_ml",
    "metabolite_conc_ng_per_ml",
    "cmax_ng_per_ml",
    "tmax_min",
    "auc_ng_h_per_ml",
    "model",
    "source",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["pk", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_models_json_lists_ids_drugs_routes_sources(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "models", "--json")
    assert status == 0
    listing = {m["id"]: m for m in json.loads(out)}
    assert set(listing["kamp2020"]) == {"id", "drug", "routes", "source"}
    assert listing["kamp2020"]["routes"] == ["im", "intranasal", "iv", "oral", "sublingual"]
    assert listing["perez_ruixo2021"]["drug"] == "esketamine"
    assert "doi:10.1007/s40262-020-00953-4" in listing["perez_ruixo2021"]["source"]
    assert {m["drug"] for m in listing.values()} == {"ketamine", "esketamine", "s-ketamine"}


def test_models_text_shows_uncertain_bioavailability(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "models")
    assert status == 0
    assert "intranasal (default)  F 0.45 (published 0.11-0.5)" in out
    assert "UNCONFIRMED k_venous" in out


def test_simulate_json_has_exactly_the_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "simulate",
        "--drug",
        "ketamine",
        "--route",
        "iv",
        "--dose-mg-per-kg",
        "0.5",
        "--over-min",
        "40",
        "--weight-kg",
        "70",
        "--until-min",
        "240",
        "--json",
    )
    assert status == 0
    doc = json.loads(out)
    assert set(doc) == SIMULATE_KEYS
    assert doc["model"] == "kamp2020"
    assert doc["metabolite_conc_ng_per_ml"] is None
    assert len(doc["t_min"]) == 241
    assert doc["tmax_min"] == 40.0
    assert doc["cmax_ng_per_ml"] == pytest.approx(253.05, rel=1e-4)
    assert doc["conc_ng_per_ml"][40] == doc["cmax_ng_per_ml"]


def test_simulate_spravato_devices_with_metabolite(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "simulate",
        "--drug",
        "esketamine",
        "--route",
        "intranasal",
        "--devices",
        "2",
        "--weight-kg",
        "70",
        "--until-min",
        "240",
        "--step-min",
        "5",
        "--json",
    )
    assert status == 0
    doc = json.loads(out)
    assert doc["model"] == "perez_ruixo2021"
    assert len(doc["metabolite_conc_ng_per_ml"]) == len(doc["t_min"]) == 49
    assert 60.0 < doc["cmax_ng_per_ml"] < 80.0


def test_simulate_csv(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "simulate",
        "--drug",
        "s-ketamine",
        "--route",
        "iv",
        "--dose-mg",
        "20",
        "--over-min",
        "30",
        "--weight-kg",
        "70",
        "--until-min",
        "60",
        "--step-min",
        "30",
        "--csv",
    )
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["t_min", "conc_ng_per_ml", "metabolite_conc_ng_per_ml"]
    assert [r[0] for r in rows[1:]] == ["0.0", "30.0", "60.0"]
    assert float(rows[2][1]) > float(rows[3][1]) > 0.0


def test_simulate_regimen_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    regimen = tmp_path / "regimen.json"
    regimen.write_text(
        json.dumps(
            [
                {"t_min": 0, "route": "iv", "dose_mg": 10, "over_min": 10},
                {"t_min": 10, "route": "iv", "dose_mg": 20, "over_min": 30},
            ]
        )
    )
    status, out, _ = run(
        capsys,
        "simulate",
        "--drug",
        "ketamine",
        "--regimen",
        str(regimen),
        "--weight-kg",
        "70",
        "--until-min",
        "60",
        "--json",
    )
    assert status == 0
    assert json.loads(out)["tmax_min"] == 40.0


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_simulate_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"curve{suffix}"
    status, out, _ = run(
        capsys,
        "simulate",
        "--drug",
        "ketamine",
        "--route",
        "iv",
        "--dose-mg",
        "35",
        "--over-min",
        "40",
        "--weight-kg",
        "70",
        "--until-min",
        "240",
        "--plot",
        str(target),
    )
    assert status == 0
    assert out.strip() == str(target)
    data = target.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in data and b"concentration (ng/mL)" in data


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--route", "iv", "--dose-mg", "35", "--weight-kg", "20"],
            "--weight-kg: weight_kg must be between 25 and 350 kg, got 20",
        ),
        (
            ["--route", "iv", "--dose-mg", "35", "--weight-kg", "400"],
            "--weight-kg: weight_kg must be between 25 and 350 kg, got 400",
        ),
        (
            ["--route", "iv", "--dose-mg", "-5", "--weight-kg", "70"],
            "--dose-mg: dose_mg must be above 0 and at most 2000 mg, got -5",
        ),
        (
            ["--route", "iv", "--dose-mg", "1500", "--weight-kg", "70"],
            "--dose-mg: a dose of 1500 mg is 21.4 mg/kg at 70 kg; at most 15 mg/kg is accepted",
        ),
        (
            ["--route", "iv", "--dose-mg-per-kg", "-1", "--weight-kg", "70"],
            "--dose-mg-per-kg: must be above 0 mg/kg",
        ),
        (
            ["--route", "iv", "--dose-mg", "35", "--weight-kg", "70", "--model", "nope"],
            "--model: unknown model 'nope'",
        ),
        (
            ["--route", "im", "--dose-mg", "35", "--weight-kg", "70", "--model", "domino"],
            "--route: model 'domino' has no route 'im'",
        ),
        (
            ["--route", "iv", "--dose-mg", "35", "--weight-kg", "70", "--step-min", "0.000001"],
            "--step-min: the grid would have 240,000,001 points; at most 10,000,000",
        ),
        (
            ["--route", "iv", "--devices", "2", "--weight-kg", "70"],
            "--devices: only for --drug esketamine --route intranasal",
        ),
        (["--dose-mg", "35", "--weight-kg", "70"], "--route: choose one of"),
    ],
)
def test_simulate_refusals_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, "simulate", "--drug", "ketamine", "--until-min", "240", *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("ketacare pk: ")
    assert message in err


def test_unknown_route_for_drug_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys,
        "simulate",
        "--drug",
        "s-ketamine",
        "--route",
        "oral",
        "--dose-mg",
        "20",
        "--weight-kg",
        "70",
        "--until-min",
        "60",
    )
    assert status == 2
    assert "--route: no published s-ketamine model for route 'oral'" in err


def test_population_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "population",
        "--drug",
        "ketamine",
        "--model",
        "herd2007",
        "--route",
        "iv",
        "--dose-mg",
        "35",
        "--over-min",
        "40",
        "--weight-kg",
        "70",
        "--until-min",
        "120",
        "--n",
        "500",
        "--seed",
        "7",
        "--json",
    )
    assert status == 0
    doc = json.loads(out)
    assert doc["n"] == 500 and doc["seed"] == 7 and doc["iiv_available"] is True
    bands = doc["conc_percentiles_ng_per_ml"]
    assert set(bands) == {"p5", "p50", "p95"}
    assert all(
        lo <= mid <= hi for lo, mid, hi in zip(bands["p5"], bands["p50"], bands["p95"], strict=True)
    )
    assert set(doc["summaries"]) == {"cmax_ng_per_ml", "tmax_min", "auc_ng_h_per_ml"}


def test_population_refuses_n_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys,
        "population",
        "--drug",
        "ketamine",
        "--route",
        "iv",
        "--dose-mg",
        "35",
        "--weight-kg",
        "70",
        "--until-min",
        "120",
        "--n",
        "0",
    )
    assert status == 2
    assert "--n: n must be 1 to 1,000,000, got 0" in err


def test_tci_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "tci",
        "--target-ng-per-ml",
        "200",
        "--duration-min",
        "60",
        "--weight-kg",
        "70",
        "--max-rate-mg-per-h",
        "2000",
        "--json",
    )
    assert status == 0
    doc = json.loads(out)
    assert doc["model"] == "kamp2020"
    assert doc["max_rate_mg_per_h"] == 2000.0
    assert len(doc["schedule"]) == 360
    assert max(s["rate_mg_per_h"] for s in doc["schedule"]) <= 2000.0
    assert doc["max_deviation_after_1_min_percent"] < 1.0
    assert len(doc["step_down"]["steps"]) == 3


def test_tci_refuses_rate_above_the_ceiling(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys,
        "tci",
        "--target-ng-per-ml",
        "200",
        "--duration-min",
        "60",
        "--weight-kg",
        "70",
        "--max-rate-mg-per-h",
        "99999",
    )
    assert status == 2
    assert "--max-rate-mg-per-h: max_rate_mg_per_h must be above 0 and at most 3150 mg/h" in err


def test_registration_does_not_import_numpy() -> None:
    """Building the ``ketacare`` parser must stay cheap: the engine loads in the handlers."""
    code = (
        "import argparse, sys\n"
        "from ketacare.cli import pk as cli\n"
        "p = argparse.ArgumentParser(); cli.register(p.add_subparsers())\n"
        "print('numpy' in sys.modules, 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]


def test_installed_command_exit_code(tmp_path: Path) -> None:
    """The console script itself returns 2 for a refused weight."""
    script = Path(sys.executable).with_name("ketacare")
    done = subprocess.run(  # noqa: S603
        [
            str(script),
            "pk",
            "simulate",
            "--drug",
            "ketamine",
            "--route",
            "iv",
            "--dose-mg",
            "10",
            "--weight-kg",
            "10",
            "--until-min",
            "60",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "--weight-kg: weight_kg must be between 25 and 350 kg, got 10" in done.stderr
