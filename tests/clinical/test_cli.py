"""The score, screen, protocols and dose commands: exit codes, JSON shapes, messages."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ketacare.cli import main
from ketacare.clinical.instruments import INSTRUMENT_IDS
from ketacare.clinical.intake import intake_json_schema
from ketacare.clinical.protocols import load_protocols
from ketacare.clinical.sources import cite
from tests.clinical.intakes import intake_data

SCHWARTZMAN = cite("schwartzman-2009")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    status, out, err = run(capsys, *argv, "--json")
    assert (status, err) == (0, "")
    return json.loads(out)


def write(tmp_path: Path, data: Any, name: str = "intake.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


# --- score ------------------------------------------------------------------------------


def test_score_phq9_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "phq9", "--answers", "1,1,2,2,1,1,1,1,1")
    assert list(data) == [
        "instrument",
        "version",
        "total",
        "max_total",
        "severity",
        "severity_label",
        "flags",
        "items",
    ]
    assert (data["instrument"], data["total"], data["severity"]) == ("phq9", 11, "moderate")
    assert data["flags"] == ["suicidal_ideation", "probable_major_depression"]
    assert len(data["items"]) == 10
    assert data["items"][9]["value"] is None


def test_score_pcl5_has_provisional_ptsd(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "pcl5", "--answers", ",".join(["2"] * 20))
    assert data["provisional_ptsd"] == {"by_cutoff": True, "by_dsm5_rule": True, "cutoff": 33}


def test_score_cssrs_has_risk(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "cssrs_screener", "--answers", "1,1,1,0,0,0")
    assert (data["risk"], data["severity"], data["total"]) == ("moderate", "moderate", 3)


def test_score_cssrs_skipped_questions_may_be_left_empty(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = run_json(capsys, "score", "cssrs_screener", "--answers", "1,0,,,,0")
    assert data["risk"] == "low"


def test_score_with_settings_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    settings = write(tmp_path, {"phq2_positive_min": 2}, "settings.json")
    data = run_json(capsys, "score", "phq2", "--answers", "1,1", "--settings", settings)
    assert data["flags"] == ["positive_screen"]


def test_score_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "score", "gad7", "--answers", "3,3,3,3,3,0,0")
    assert (status, out) == (0, "gad7: total 15/21 (Severe)\n")


def test_score_text_output_shows_the_peg_mean(capsys: pytest.CaptureFixture[str]) -> None:
    """The PEG score is the mean of its three items (Krebs 2009, krebs-2009)."""
    status, out, _ = run(capsys, "score", "peg", "--answers", "7,5,5")
    assert (status, out) == (0, "peg: total 17/30\nmean: 5.67\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["score", "phq9", "--answers", "1,1,4"],
         "ketacare score: answers.3: 4 is not an allowed answer for PHQ-9 item 3 (Sleep); "
         "allowed: 0-3\n"),
        (["score", "phq9", "--answers", "1,x"],
         "ketacare score: --answers: 'x' (answer 2) is not a whole number\n"),
        (["score", "phq9"], "ketacare score: --answers is required, e.g. --answers 1,0,2,...\n"),
        (["score", "--answers", "1"],
         "ketacare score: INSTRUMENT is required (or use --compare or --list)\n"),
        (["score", "phq8", "--answers", "1"],
         "ketacare score: unknown instrument 'phq8'; known: " + ", ".join(INSTRUMENT_IDS) + "\n"),
        (["score", "--compare", "20", "10"], "ketacare score: --compare needs --instrument ID\n"),
        (["score", "--compare", "30", "10", "--instrument", "phq9"],
         "ketacare score: baseline_total: 30 is outside the PHQ-9 range 0-27\n"),
    ],
)  # fmt: skip
def test_score_user_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(capsys, *argv) == (2, "", message)


def test_score_missing_item_names_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "score", "phq9", "--answers", "1,1,1,1,1,1,1,1")
    assert status == 2
    assert err.startswith("ketacare score: --answers: PHQ-9 item 9 unanswered; Items 1-9 are")


def test_compare_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "--compare", "20", "8", "--instrument", "phq9")
    assert data == {
        "instrument": "phq9",
        "baseline_total": 20,
        "current_total": 8,
        "change": -12,
        "percent_change": -60.0,
        "response": True,
        "remission": False,
        "clinically_meaningful_change": None,
    }


def test_compare_pain_nrs_uses_30_percent(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "--compare", "10", "7", "--instrument", "pain_nrs")
    assert (data["response"], data["clinically_meaningful_change"]) == (True, True)


def test_instrument_list(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "score", "--list")
    assert [row["id"] for row in data] == list(INSTRUMENT_IDS)


# --- screen -----------------------------------------------------------------------------


def test_screen_json_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = run_json(capsys, "screen", "--intake", write(tmp_path, intake_data()))
    assert list(data) == ["treatment_resistant", "adequate_trials", "options"]
    assert (data["treatment_resistant"], data["adequate_trials"]) == (True, 2)
    assert [(o["option"], o["decision"]) for o in data["options"]] == [
        ("ketamine_iv", "eligible"),
        ("ketamine_im", "eligible"),
        ("ketamine_intranasal", "eligible"),
        ("ketamine_sublingual_home", "eligible"),
        ("esketamine_nasal", "eligible"),
    ]
    assert list(data["options"][0]["reasons"][0]) == ["code", "message", "source"]


def test_screen_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(intake_data(pregnant=True))))
    data = run_json(capsys, "screen", "--intake", "-")
    assert {o["decision"] for o in data["options"]} == {"not_eligible"}


def test_screen_malformed_intake_names_the_field_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, intake_data(weight_kg=400))
    assert run(capsys, "screen", "--intake", path, "--json") == (
        2,
        "",
        "ketacare screen: intake weight_kg: 400 is outside the allowed range 25-350 kg\n",
    )


def test_screen_missing_key_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = intake_data()
    del data["vitals"]["spo2"]
    status, _, err = run(capsys, "screen", "--intake", write(tmp_path, data))
    assert (status, err) == (2, "ketacare screen: intake vitals.spo2: required\n")


def test_screen_invalid_json_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text("{")
    status, _, err = run(capsys, "screen", "--intake", str(path))
    assert status == 2
    assert err.startswith("ketacare screen: intake intake: not valid JSON")


def test_screen_unreadable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "screen", "--intake", str(tmp_path / "missing.json"))
    assert status == 2
    assert err.startswith("ketacare screen: --intake: cannot read")


def test_screen_bad_settings_names_the_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = write(tmp_path, {"predose_hold_systolic_mmhg": 300}, "settings.json")
    status, _, err = run(
        capsys, "screen", "--intake", write(tmp_path, intake_data()), "--settings", settings
    )
    assert (status, err) == (
        2,
        "ketacare screen: --settings: predose_hold_systolic_mmhg: 300 is not allowed; "
        "allowed range 140-220 mmHg (a whole number)\n",
    )


def test_screen_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "screen", "--schema")
    assert status == 0
    assert json.loads(out) == intake_json_schema()


def test_screen_text_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(
        capsys, "screen", "--intake", write(tmp_path, intake_data(home_sitter_available=False))
    )
    assert status == 0
    assert "ketamine_sublingual_home: not_eligible\n  - [no_home_sitter]" in out


# --- protocols --------------------------------------------------------------------------


def test_protocols_list_json_is_the_sorted_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "protocols", "list") == sorted(load_protocols())


def test_protocols_show(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "protocols", "show", "depression-iv-induction")
    assert (data["id"], data["dose"]["mg_per_kg"], data["infusion"]["duration_min"]) == (
        "depression-iv-induction",
        0.5,
        40,
    )


def test_protocols_show_unknown_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "protocols", "show", "nope")
    assert status == 2
    assert err.startswith("ketacare protocols: unknown protocol 'nope'; known: crps-iv-10-day")


def test_protocols_services(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "protocols", "services")
    assert {row["id"] for row in data if row["kind"] == "non_drug"} == {
        "consultation",
        "iv_hydration",
        "acupuncture",
        "talk_therapy",
        "integration_session",
        "follow_up",
    }


# --- dose -------------------------------------------------------------------------------


def test_dose_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        "dose",
        "--protocol",
        "depression-iv-induction",
        "--weight-kg",
        "80",
        "--concentration-mg-per-ml",
        "10",
    )
    assert data == {
        "protocol": "depression-iv-induction",
        "dose_mg": 40.0,
        "duration_min": 40,
        "rate_mg_per_h": 60.0,
        "volume_ml": 4.0,
        "devices": None,
        "weight_basis": "actual",
        "dose_weight_kg": 80.0,
        "rate_ml_per_h": 6.0,
        "warnings": [],
        "bmi_kg_per_m2": None,
        "weight_basis_note": "actual body weight 80 kg (the protocol's basis)",
        "cap_note": None,
    }


def test_dose_spravato_devices(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        "dose",
        "--protocol",
        "esketamine-trd-induction-65-plus",
        "--weight-kg",
        "70",
        "--age-years",
        "72",
    )
    assert (data["dose_mg"], data["devices"], data["volume_ml"]) == (28.0, 1, None)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--weight-kg", "400"], "--weight-kg: 400 is outside the allowed range 25-350 kg"),
        (["--weight-kg", "nan"], "--weight-kg: nan is not a number: give a finite value"),
        (["--weight-kg", "70", "--dose-mg-per-kg", "1"],
         "--dose-mg-per-kg: 1 is outside the allowed range 0.1-0.75 mg/kg of protocol "
         "depression-iv-induction"),
    ],
)  # fmt: skip
def test_dose_refusals_exit_2(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    status, out, err = run(capsys, "dose", "--protocol", "depression-iv-induction", *extra)
    assert (status, out, err) == (2, "", f"ketacare dose: {message}\n")


def test_dose_unknown_protocol_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "dose", "--protocol", "iv", "--weight-kg", "70")
    assert status == 2
    assert err.startswith("ketacare dose: unknown protocol 'iv'")


def test_dose_text_output_prints_the_capped_dose_and_the_cap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0.35 mg/kg/h not above 25 mg/h over 4 h (Schwartzman 2009, Pain 147:107): 80 kg gets 100
    mg, not 112, and the warning names the cap and its source."""
    status, out, _ = run(capsys, "dose", "--protocol", "crps-iv-10-day", "--weight-kg", "80")
    assert status == 0
    assert out == (
        "crps-iv-10-day: 100 mg\n  over 240 min at 25 mg/h\n"
        "  weight basis: actual body weight 80 kg (the protocol's basis)\n"
        f"  warning: rate capped at 25 mg/h ({SCHWARTZMAN}): 100 mg over 240 min\n"
    )


def test_dose_json_carries_the_cap_note(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON adds the cap in words (Schwartzman 2009) without renaming any field."""
    data = run_json(capsys, "dose", "--protocol", "crps-iv-10-day", "--weight-kg", "80")
    assert (data["dose_mg"], data["rate_mg_per_h"]) == (100.0, 25.0)
    assert data["cap_note"] == f"rate capped at 25 mg/h ({SCHWARTZMAN}): 100 mg over 240 min"
    assert data["warnings"] == [data["cap_note"]]


def test_dose_chosen_above_the_cap_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A prescriber's rate above 25 mg/h is refused naming the cap (Schwartzman 2009)."""
    status, out, err = run(
        capsys, "dose", "--protocol", "crps-iv-10-day", "--weight-kg", "80",
        "--dose-mg-per-kg-per-h", "0.35",
    )  # fmt: skip
    assert (status, out) == (2, "")
    assert err == (
        "ketacare dose: --dose-mg-per-kg-per-h: 0.35 mg/kg/h at 80 kg gives 112 mg over 240 "
        f"min, 28 mg/h: above the rate cap of 25 mg/h of protocol crps-iv-10-day ({SCHWARTZMAN})\n"
    )


def test_dose_adjusted_weight_basis(capsys: pytest.CaptureFixture[str]) -> None:
    """Adjusted body weight IBW + 0.4 x (actual - IBW) (Bauer 1983; Traynor 1995): 120 kg,
    170 cm man, Devine IBW 65.94 kg, so 87.6 kg and 43.8 mg at 0.5 mg/kg."""
    data = run_json(
        capsys, "dose", "--protocol", "depression-iv-induction", "--weight-kg", "120",
        "--height-cm", "170", "--sex", "male", "--weight-basis", "adjusted",
    )  # fmt: skip
    assert (data["weight_basis"], data["dose_weight_kg"], data["dose_mg"]) == (
        "adjusted", 87.6, 43.8,
    )  # fmt: skip
    assert data["bmi_kg_per_m2"] == 41.5
    assert data["weight_basis_note"] == "adjusted body weight 87.6 kg (chosen by the prescriber)"


def test_dose_requires_weight(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["dose", "--protocol", "depression-iv-induction"])
    assert caught.value.code == 2
    assert "--weight-kg" in capsys.readouterr().err
