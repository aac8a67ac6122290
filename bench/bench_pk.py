"""Benchmark of the PK engine against opentiva and scipy's solve_ivp; writes bench/results/pk.json.

Same model (Kamp 2020 3-compartment, the one both tools have), same regimen (0.5 mg/kg over 40 min
at 70 kg), same 4-hour span. Timings are medians of repeated runs on this machine:

- one typical curve on a 1-minute grid (241 points) and on a 1-second grid (14 401 points);
- 10 000 virtual patients on a 1-minute grid (weight log-normal, CV 20 %), and the same for two
  models with published variability (Herd 2007, Perez-Ruixo 2021 Spravato 84 mg);
- opentiva 1.1.2 ``Pump.run`` (1-second grid; installed from PyPI into var/bench-opentiva-venv,
  created here when absent) and ``solve_ivp`` (LSODA, rtol 1e-8) on the same grids.

Accuracy of every method is its largest relative error against a DOP853 reference at rtol 1e-13.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ketacare.pk import (  # noqa: E402
    CovariateDistribution,
    Patient,
    Regimen,
    simulate,
    simulate_population,
    uniform_grid,
)

OPENTIVA_VENV = ROOT / "var" / "bench-opentiva-venv"
#: Pinned so the benchmark is reproducible; Cython builds opentiva's pkpd.pyx extension.
OPENTIVA_REQUIREMENTS = [
    "setuptools==84.2.1",
    "wheel==0.48.0",
    "cython==3.1.8",
    "numpy==2.4.6",
    "scipy==1.17.1",
]
OPENTIVA = "opentiva==1.1.2"
RESULTS = ROOT / "bench" / "results" / "pk.json"

WEIGHT_KG = 70.0
DOSE_MG = 0.5 * WEIGHT_KG
INFUSION_MIN = 40.0
END_MIN = 240.0
N_POPULATION = 10_000


def timed(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """Median and minimum wall time of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "repeats": repeats}


def kamp_rhs() -> tuple[Callable[[float, np.ndarray], np.ndarray], float]:
    """Kamp 2020 at 70 kg, typed from the paper's Table 2 values (per minute)."""
    v1, v2, v3 = 25.0, 56.0, 157.0
    cl, q2, q3 = 84.0 / 60.0, 161.0 / 60.0, 79.0 / 60.0
    rate = DOSE_MG / INFUSION_MIN

    def rhs(t: float, x: np.ndarray) -> np.ndarray:
        u = rate if t < INFUSION_MIN else 0.0
        c, p1, p2 = x
        return np.array(
            [
                u - (cl + q2 + q3) / v1 * c + q2 / v2 * p1 + q3 / v3 * p2,
                q2 / v1 * c - q2 / v2 * p1,
                q3 / v1 * c - q3 / v3 * p2,
            ]
        )

    return rhs, v1


def solve_ivp_curve(grid: np.ndarray, method: str, rtol: float, atol: float) -> np.ndarray:
    """Two segments (infusion, washout) so the solver never steps across the rate change."""
    rhs, v1 = kamp_rhs()
    out = np.empty(grid.size)
    during = grid <= INFUSION_MIN
    first = solve_ivp(
        rhs,
        (0.0, INFUSION_MIN),
        np.zeros(3),
        method=method,
        rtol=rtol,
        atol=atol,
        t_eval=grid[during],
    )
    out[during] = first.y[0] / v1 * 1000.0
    end = solve_ivp(rhs, (0.0, INFUSION_MIN), np.zeros(3), method=method, rtol=rtol, atol=atol)
    after = ~during
    second = solve_ivp(
        rhs,
        (INFUSION_MIN, END_MIN),
        end.y[:, -1],
        method=method,
        rtol=rtol,
        atol=atol,
        t_eval=grid[after],
    )
    out[after] = second.y[0] / v1 * 1000.0
    return out


def max_relative_error(values: np.ndarray, reference: np.ndarray) -> float:
    mask = reference > 1e-6 * reference.max()
    return float(np.max(np.abs(values[mask] - reference[mask]) / reference[mask]))


def ensure_opentiva() -> Path | None:
    python = OPENTIVA_VENV / "bin" / "python"
    probe = [str(python), "-c", "import opentiva.pump"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {OPENTIVA_VENV} with {OPENTIVA} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(OPENTIVA_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", *OPENTIVA_REQUIREMENTS],
        [str(python), "-m", "pip", "install", "--quiet", "--no-build-isolation", OPENTIVA],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return None
    return python


def run_opentiva(python: Path) -> dict[str, Any]:
    spec = {
        "weight_kg": WEIGHT_KG,
        "dose_mg": DOSE_MG,
        "infusion_s": int(INFUSION_MIN * 60),
        "end_s": int(END_MIN * 60),
        "repeats": 30,
    }
    side = ROOT / "bench" / "pk" / "opentiva_side.py"
    done = subprocess.run(
        [str(python), str(side), json.dumps(spec)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    patient = Patient(weight_kg=WEIGHT_KG)
    regimen = Regimen.single("iv", DOSE_MG, over_min=INFUSION_MIN)
    grid_min = uniform_grid(END_MIN, 1.0)
    grid_s = uniform_grid(END_MIN, 1.0 / 60.0)

    ref_min = solve_ivp_curve(grid_min, "DOP853", 1e-13, 1e-15)
    ref_s = solve_ivp_curve(grid_s, "DOP853", 1e-13, 1e-15)

    def ours(grid: np.ndarray) -> np.ndarray:
        return simulate("kamp2020", regimen, patient, grid).conc_ng_per_ml

    engine = {
        "curve_1_min_grid": timed(lambda: ours(grid_min), 300),
        "curve_1_s_grid": timed(lambda: ours(grid_s), 100),
    }
    accuracy = {
        "engine_1_min_grid": max_relative_error(ours(grid_min), ref_min),
        "engine_1_s_grid": max_relative_error(ours(grid_s), ref_s),
    }

    def population(model_id: str, reg: Regimen, cv: float) -> Callable[[], object]:
        covariates = CovariateDistribution(WEIGHT_KG, weight_cv_percent=cv)
        return lambda: simulate_population(
            model_id, reg, covariates, N_POPULATION, grid_min, seed=1
        )

    populations = {
        "kamp2020_weight_cv20": timed(population("kamp2020", regimen, 20.0), 7),
        "herd2007_published_iiv": timed(population("herd2007", regimen, 0.0), 7),
        "perez_ruixo2021_84mg_published_iiv": timed(
            population("perez_ruixo2021", Regimen.spravato(3), 0.0), 5
        ),
    }
    for entry in populations.values():
        entry["per_patient_us"] = entry["median_s"] / N_POPULATION * 1e6

    scipy_lsoda = {
        "curve_1_min_grid": timed(lambda: solve_ivp_curve(grid_min, "LSODA", 1e-8, 1e-10), 20),
        "curve_1_s_grid": timed(lambda: solve_ivp_curve(grid_s, "LSODA", 1e-8, 1e-10), 10),
    }
    accuracy["solve_ivp_lsoda_1_min_grid"] = max_relative_error(
        solve_ivp_curve(grid_min, "LSODA", 1e-8, 1e-10), ref_min
    )
    accuracy["solve_ivp_lsoda_1_s_grid"] = max_relative_error(
        solve_ivp_curve(grid_s, "LSODA", 1e-8, 1e-10), ref_s
    )

    opentiva: dict[str, Any] = {"status": "not available"}
    python = ensure_opentiva()
    if python is not None:
        raw = run_opentiva(python)
        t_s = np.array(raw["t_s"]) / 60.0
        conc = np.array(raw["conc_ng_per_ml"])
        ref = solve_ivp_curve(t_s, "DOP853", 1e-13, 1e-15)
        opentiva = {
            "status": "ok",
            "package": OPENTIVA,
            "model": "ketamine.Klamp (Kamp 2020, same parameters at 70 kg)",
            "curve_1_s_grid": {k: raw[k] for k in ("median_s", "min_s", "repeats")},
            "points": int(t_s.size),
        }
        accuracy["opentiva_1_s_grid"] = max_relative_error(conc, ref)

    ratios: dict[str, float] = {}
    one_min = engine["curve_1_min_grid"]["median_s"]
    one_s = engine["curve_1_s_grid"]["median_s"]
    per_patient = populations["kamp2020_weight_cv20"]["median_s"] / N_POPULATION
    ratios["solve_ivp_over_engine_1_min_grid"] = (
        scipy_lsoda["curve_1_min_grid"]["median_s"] / one_min
    )
    ratios["solve_ivp_over_engine_1_s_grid"] = scipy_lsoda["curve_1_s_grid"]["median_s"] / one_s
    if opentiva["status"] == "ok":
        ot = opentiva["curve_1_s_grid"]["median_s"]
        ratios["opentiva_over_engine_same_1_s_grid"] = ot / one_s
        ratios["opentiva_over_engine_1_min_grid_curve"] = ot / one_min
        ratios["opentiva_over_engine_per_patient_curve_in_population"] = ot / per_patient

    document = {
        "benchmark": "ketacare.pk vs opentiva and scipy solve_ivp",
        "regimen": "Kamp 2020, 70 kg, 0.5 mg/kg IV over 40 min, 4 h",
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "engine": engine,
        "population_10000_patients_1_min_grid": populations,
        "solve_ivp_lsoda_rtol_1e-8": scipy_lsoda,
        "opentiva": opentiva,
        "ratios": ratios,
        "max_relative_error_vs_dop853_rtol_1e-13": accuracy,
        "targets": {
            "curve_1_min_grid_s": 0.001,
            "curve_1_s_grid_s": 0.005,
            "population_10000_s": 0.2,
            "opentiva_ratio_per_patient_curve": 100.0,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(
        json.dumps(
            {"engine": engine, "populations": populations, "ratios": ratios, "accuracy": accuracy},
            indent=2,
        )
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
