"""The predicted concentration curve of a planned dose, for this patient, from the PK engine.

The protocol's drug and route pick the published model (``ketacare.pk`` defaults: Kamp 2020
for racemic ketamine, Perez-Ruixo 2021 for Spravato). The curve runs from the start of the dose
to 3 hours after it ends, on a 1-minute grid. Concentration bands are those of racemic ketamine
(``ketacare/pk/data/bands.toml``), so they are drawn for racemic plans only.
"""

from __future__ import annotations

from typing import Any, Literal

from ketacare.clinical.dosing import DoseResult
from ketacare.clinical.protocols import Protocol

#: The curve covers the dose and the 3 hours after it: past the at-least-2-hour Spravato
#: monitoring (REMS; reference/clinical.md section 8) and the recovery of an IV session,
#: where concentrations have fallen well below the analgesic band. One point a minute is
#: finer than any vital-sign schedule.
AFTER_DOSE_MIN = 180.0
STEP_MIN = 1.0


def predict_curve(
    protocol: Protocol, dose: DoseResult, *, weight_kg: float, age_years: int, sex: str
) -> dict[str, Any]:
    from ketacare.pk import Patient, Regimen, resolve_model, simulate, uniform_grid
    from ketacare.pk.catalog import bands
    from ketacare.pk.limits import ESKETAMINE_DEVICE_INTERVAL_MIN

    model = resolve_model(protocol.drug, protocol.route)
    if protocol.drug == "esketamine":
        assert dose.devices is not None
        regimen = Regimen.spravato(dose.devices)
        dosing_min = ESKETAMINE_DEVICE_INTERVAL_MIN * (dose.devices - 1)
    else:
        over_min = float(dose.duration_min or 0)
        regimen = Regimen.single(protocol.route, dose_mg=dose.dose_mg, over_min=over_min)
        dosing_min = over_min
    pk_sex: Literal["male", "female"] = "female" if sex == "female" else "male"
    patient = Patient(weight_kg=weight_kg, age_years=float(age_years), sex=pk_sex)
    result = simulate(
        model.id,
        regimen,
        patient,
        uniform_grid(until_min=dosing_min + AFTER_DOSE_MIN, step_min=STEP_MIN),
    )
    racemic = protocol.drug == "ketamine"
    warnings = list(result.warnings)
    if sex not in ("male", "female"):
        warnings.append("sex at birth is not recorded; the model's reference patient was used")
    return {
        "model": model.id,
        "model_name": model.name,
        "source": model.citation,
        "sampling": result.sampling,
        "t_min": [round(float(t), 1) for t in result.t_min],
        "conc_ng_per_ml": [round(float(c), 2) for c in result.conc_ng_per_ml],
        "cmax_ng_per_ml": round(result.cmax_ng_per_ml, 1),
        "tmax_min": round(result.tmax_min, 1),
        "auc_ng_h_per_ml": round(result.auc_ng_h_per_ml, 1),
        "bands": [
            {
                "name": b.name,
                "low_ng_per_ml": b.low_ng_per_ml,
                "high_ng_per_ml": b.high_ng_per_ml,
                "source": b.source,
            }
            for b in bands()
        ]
        if racemic
        else [],
        "bands_note": ""
        if racemic
        else (
            "Concentration bands are published for racemic ketamine only; none is drawn for "
            "esketamine."
        ),
        "warnings": warnings,
    }
