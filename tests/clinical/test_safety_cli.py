"""``ketacare safety``: exact JSON for whole sessions, the schema, and exit-2 messages.

Each session document and the JSON it must print live side by side in ``safety_sessions/``
(``NAME.session.json`` and ``NAME.expected.json``); the assertions below also name the facts
each case is about, so a regenerated expectation cannot silently change them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ketacare.cli import main
from ketacare.clinical.safety import session_json_schema

SESSIONS = Path(__file__).resolve().parent / "safety_sessions"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def session(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SESSIONS / f"{name}.session.json").read_text())
    return data


def evaluate(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, Any]:
    status, out, err = run(
        capsys, "safety", "--session", str(SESSIONS / f"{name}.session.json"), "--json"
    )
    assert (status, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    assert result == json.loads((SESSIONS / f"{name}.expected.json").read_text())
    return result


def unmet(result: dict[str, Any]) -> list[str]:
    return [check["code"] for check in result["discharge_checks"] if not check["met"]]


def test_clean_iv_session(capsys: pytest.CaptureFixture[str]) -> None:
    """depression-iv-induction (Sanacora 2017: 0.5 mg/kg over 40 min): vitals every 10 min
    during and 15 after (dunlop-emory), 60 min observation after the end (racemic setting),
    every criterion met: discharge allowed, next vitals at minute 115."""
    result = evaluate(capsys, "clean-iv")
    assert (result["predose"], result["alerts"], result["stop_dosing"]) == ("proceed", [], False)
    assert (result["discharge_allowed"], unmet(result)) == (True, [])
    assert [(c["code"], c["due_t_min"]) for c in result["next_checks"]] == [("vitals", 115.0)]


def test_predose_hold(capsys: pytest.CaptureFixture[str]) -> None:
    """Baseline 182/100 is at or above 180/110: hold (AAGBI/BHS 2016: proceed below
    180/110); nothing is dosed, so nothing may be discharged."""
    result = evaluate(capsys, "predose-hold")
    assert result["predose"] == "hold"
    assert [f["code"] for f in result["predose_findings"]] == ["predose_bp_hold"]
    assert (result["alerts"], result["discharge_allowed"]) == ([], False)
    assert [(c["code"], c["due_t_min"]) for c in result["next_checks"]] == [
        ("observation_end", 60.0)
    ]


def test_stop(capsys: pytest.CaptureFixture[str]) -> None:
    """Respiratory rate 7/min (NEWS2: <= 8 scores 3) and MOAA/S 2 (ASA continuum: deep
    sedation) stop the running infusion; SpO2 91% alerts (NEWS2: <= 91 scores 3)."""
    result = evaluate(capsys, "stop")
    assert result["stop_dosing"] is True
    assert [(a["code"], a["level"], a["t_min"]) for a in result["alerts"]] == [
        ("respiratory_rate_low_stop", "stop", 20.0),
        ("spo2_low", "alert", 20.0),
        ("deep_sedation", "stop", 20.0),
    ]
    assert "no_unresolved_stop" in unmet(result)
    assert result["warnings"] == [
        "reading at 20 min: respiratory_rate_per_min 7 is unusual (typical 8-30 breaths/min); "
        "confirm it"
    ]


def test_discharge_refused_then_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    """The same session refused at minute 90 (observation 50 of 60 min, walking and the
    clinician's assessment not confirmed, the HR alert at minute 55 not acknowledged) and
    allowed at minute 105 once they are met (clinic-rules-design; Spravato label: a clinician
    assesses readiness)."""
    refused = evaluate(capsys, "discharge-refused")
    assert refused["discharge_allowed"] is False
    assert unmet(refused) == [
        "observation_time",
        "ambulating",
        "clinician_assessed_ready",
        "alerts_acknowledged",
    ]
    allowed = evaluate(capsys, "discharge-allowed")
    assert (allowed["discharge_allowed"], unmet(allowed)) == (True, [])
    assert [a["code"] for a in allowed["alerts"]] == ["heart_rate_high"]


def test_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`--session -` reads the document from standard input, like `ketacare screen`."""
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(session("clean-iv"))))
    status, out, _ = run(capsys, "safety", "--session", "-", "--json")
    assert (status, json.loads(out)["discharge_allowed"]) == (0, True)


def test_todays_interactions_are_named_before_the_dose(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The document's concomitant classes reach the pre-dose check: a benzodiazepine at
    20 mg/day diazepam equivalent (above 8, andrashko-2020) waits for the prescriber."""
    data = session("clean-iv")
    data["predose"].update(
        concomitant_drug_classes=["benzodiazepine"], diazepam_equivalent_mg_per_day=20
    )
    status, out, _ = run(capsys, "safety", "--session", _write(tmp_path, data), "--json")
    result = json.loads(out)
    assert (status, result["predose"]) == (0, "prescriber_review")
    assert [(f["code"], f["decision"]) for f in result["predose_findings"]] == [
        ("interaction_benzodiazepine", "prescriber_review")
    ]


def test_settings_file_applies(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--settings overrides a clinic setting (racemic_min_observation_min, a placeholder)."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"racemic_min_observation_min": 90}))
    status, out, _ = run(
        capsys,
        "safety",
        "--session",
        str(SESSIONS / "clean-iv.session.json"),
        "--settings",
        str(path),
        "--json",
    )
    assert (status, unmet(json.loads(out))) == (0, ["observation_time"])


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """The schema is the session document's: extra fields refused, ranges published."""
    status, out, _ = run(capsys, "safety", "--schema")
    schema = json.loads(out)
    assert (status, schema) == (0, session_json_schema())
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["protocol_id", "drug", "now_t_min"]
    cadss = schema["$defs"]["CadssReading"]["properties"]["total"]
    assert (cadss["minimum"], cadss["maximum"]) == (0, 92)


def _write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "session.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def _bad(change: dict[str, Any]) -> dict[str, Any]:
    data = session("clean-iv")
    for key, value in change.items():
        if key == "vitals[2].systolic_mmhg":
            data["vitals"][2]["systolic_mmhg"] = value
        elif key == "predose.diazepam_equivalent_mg_per_day":
            data["predose"]["diazepam_equivalent_mg_per_day"] = value
        elif key == "predose.concomitant_drug_classes":
            data["predose"]["concomitant_drug_classes"] = value
        elif key == "cadss[0].total":
            data["cadss"][0]["total"] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vitals[2].systolic_mmhg": 400},
         "session vitals[2].systolic_mmhg: 400 is outside the allowed range 40-300 mmHg"),
        ({"cadss[0].total": 93}, "session cadss[0].total: 93 is outside the allowed range 0-92 "
         "points"),
        ({"predose.diazepam_equivalent_mg_per_day": 250},
         "session predose.diazepam_equivalent_mg_per_day: 250 is outside the allowed range "
         "0-200 mg/day"),
        ({"extra": 1}, "session extra: unknown field"),
        ({"now_t_min": "soon"}, "session now_t_min: Input should be a valid number"),
        ({"protocol_id": "no-such-protocol"},
         "session protocol_id: unknown protocol 'no-such-protocol'"),
        ({"doses": [{"t_min": 5, "dose_mg": 40}]},
         "session doses: times are minutes from the first dose: the first dose is at t_min 0"),
        ({"doses": [{"t_min": 0, "dose_mg": 40, "end_t_min": 40, "in_progress": True}]},
         "session doses[0]: an infusion in progress has no end_t_min yet"),
        ({"drug": "esketamine"}, "session protocol_id: protocol depression-iv-induction is "
         "for ketamine, but the session drug is esketamine"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    """Bad input: a clear message naming the field and the allowed range (ketacare-input-
    bounds; CADSS total 0-92, Bremner 1998), exit status 2."""
    status, out, err = run(capsys, "safety", "--session", _write(tmp_path, _bad(change)))
    assert (status, out) == (2, "")
    assert err.startswith(f"ketacare safety: {message}")


def test_unknown_drug_class_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Concomitant drug classes come from codes.DRUG_CLASSES (interaction checks rely on it)."""
    data = _bad({"predose.concomitant_drug_classes": ["benzodiazepine", "happy_pills"]})
    status, _, err = run(capsys, "safety", "--session", _write(tmp_path, data))
    assert status == 2
    assert err.startswith(
        "ketacare safety: session predose.concomitant_drug_classes: unknown drug class "
        "'happy_pills'; allowed: "
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["safety"], "ketacare safety: --session FILE is required (or --schema)\n"),
        (["safety", "--session", "/no/such/file.json"],
         "ketacare safety: --session: cannot read /no/such/file.json: "),
    ],
)  # fmt: skip
def test_missing_session_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A missing option or file is a user error (exit 2) with a clear message."""
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith(message)


def test_invalid_json_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Invalid JSON is named as such (exit 2), like `ketacare screen`."""
    status, _, err = run(capsys, "safety", "--session", _write(tmp_path, "{not json"))
    assert status == 2
    assert err.startswith("ketacare safety: session: not valid JSON: ")


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json the same facts print as lines a person reads at the chair."""
    status, out, _ = run(capsys, "safety", "--session", str(SESSIONS / "stop.session.json"))
    assert status == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "pre-dose: proceed",
        "stop dosing: yes",
        (
            "  - 20 min stop [respiratory_rate_low_stop] Respiratory rate 7/min is at or below "
            "8/min: stop dosing, support the airway, call the prescriber."
        ),
    ]
    assert "  - [ ] alerts_acknowledged: Not yet acknowledged: spo2_low at minute 20." in lines
    assert lines[-3:] == [
        "next: 30 min [vitals] Next vitals at minute 30 (every 10 min).",
        "next: 85 min [observation_end] Observation period ends at minute 85.",
        "warning: reading at 20 min: respiratory_rate_per_min 7 is unusual (typical 8-30 "
        "breaths/min); confirm it",
    ]
