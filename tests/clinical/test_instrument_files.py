"""Every instrument file loads, and a broken one fails naming the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ketacare.clinical.errors import ClinicalDataError
from ketacare.clinical.instruments import INSTRUMENT_IDS, load_instruments
from ketacare.clinical.instruments.registry import INSTRUMENTS_DIR, load_instrument_file

EXPECTED_ITEMS = {
    "phq9": 10,
    "phq2": 2,
    "gad7": 7,
    "pcl5": 20,
    "madrs": 10,
    "qids_sr16": 16,
    "cssrs_screener": 7,
    "cadss": 23,
    "moaas": 1,
    "ybocs": 10,
    "pain_nrs": 1,
    "audit_c": 3,
    "dast10": 10,
    "peg": 3,
    "hit6": 6,
    "ocir": 18,
    "cgi_s": 1,
    "cgi_i": 1,
    "icsi": 4,
    "ymrs": 11,
}
EXPECTED_MAX = {
    "phq9": 27,
    "phq2": 6,
    "gad7": 21,
    "pcl5": 80,
    "madrs": 60,
    "qids_sr16": 27,
    "cssrs_screener": 6,
    "cadss": 92,
    "moaas": 5,
    "ybocs": 40,
    "pain_nrs": 10,
    "audit_c": 12,
    "dast10": 10,
    "peg": 30,
    "hit6": 78,
    "ocir": 72,
    "cgi_s": 7,
    "cgi_i": 7,
    "icsi": 20,
    "ymrs": 60,
}


def test_all_instruments_load_with_the_published_shape() -> None:
    instruments = load_instruments()
    assert tuple(instruments) == INSTRUMENT_IDS
    assert {iid: len(d.items) for iid, d in instruments.items()} == EXPECTED_ITEMS
    assert {iid: d.max_total for iid, d in instruments.items()} == EXPECTED_MAX


def test_loinc_codes_from_the_reference() -> None:
    instruments = load_instruments()
    assert (instruments["phq9"].loinc_panel, instruments["phq9"].loinc_total) == (
        "44249-1",
        "44261-6",
    )
    assert instruments["phq9"].item("9").loinc == "44260-8"
    assert (instruments["gad7"].loinc_panel, instruments["gad7"].loinc_total) == (
        "69737-5",
        "70274-6",
    )
    assert instruments["cssrs_screener"].loinc_panel == "93373-9"
    assert instruments["pain_nrs"].loinc_total == "72514-3"


def test_item_text_only_where_the_licence_allows() -> None:
    for instrument in load_instruments().values():
        has_text = any(item.text for item in instrument.items)
        assert has_text is instrument.text_included, instrument.id


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "phq9.toml"
    shutil.copy(INSTRUMENTS_DIR / "phq9.toml", target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_band_gap_names_the_band(broken_copy: Path) -> None:
    _replace(broken_copy, "min = 5\n", "min = 6\n")
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.path == str(broken_copy)
    assert caught.value.key == "bands[1]"


def test_unknown_key_is_named(broken_copy: Path) -> None:
    _replace(broken_copy, "scored = false", "scord = false")
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.key == "items[9].scord"


def test_unknown_source_is_named(broken_copy: Path) -> None:
    _replace(broken_copy, 'sources = ["phq9-item9"]', 'sources = ["no-such-paper"]')
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.key == "flags[0].sources"
    assert "no-such-paper" in caught.value.message


def test_unknown_setting_is_named(broken_copy: Path) -> None:
    _replace(broken_copy, "remission_max = { value = 4 }", 'remission_max = { setting = "x" }')
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.key == "change.remission_max"


def test_syntax_error_names_the_file(broken_copy: Path) -> None:
    _replace(broken_copy, 'id = "phq9"', 'id = "phq9')
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.key == "(syntax)"
    assert str(broken_copy) in str(caught.value)


def test_id_must_match_the_file_name(broken_copy: Path) -> None:
    _replace(broken_copy, 'id = "phq9"', 'id = "phq9x"')
    with pytest.raises(ClinicalDataError) as caught:
        load_instrument_file(broken_copy)
    assert caught.value.key == "id"
