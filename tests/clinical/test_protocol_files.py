"""The protocol library loads, holds the published regimens, and fails loudly when broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ketacare.clinical.errors import ClinicalDataError
from ketacare.clinical.protocols import get_protocol, load_protocols, load_services
from ketacare.clinical.protocols.loader import PROTOCOLS_DIR
from ketacare.clinical.protocols.model import DeviceDose, FixedDose, MgPerKgDose, MgPerKgPerHourDose

PROTOCOL_IDS = [
    "crps-iv-10-day",
    "depression-im",
    "depression-intranasal-racemic",
    "depression-iv-induction",
    "depression-iv-maintenance",
    "depression-sublingual-troche-home",
    "esketamine-mdsi",
    "esketamine-trd-induction",
    "esketamine-trd-induction-65-plus",
    "esketamine-trd-maintenance",
    "esketamine-trd-maintenance-65-plus",
    "pain-iv-outpatient-4h",
    "ptsd-iv-induction",
    "suicidal-ideation-iv",
]


def test_every_protocol_file_loads() -> None:
    assert sorted(load_protocols()) == PROTOCOL_IDS


def test_every_protocol_names_a_drug_service() -> None:
    services = load_services()
    for protocol in load_protocols().values():
        assert services[protocol.service].kind == "drug", protocol.id


def test_depression_iv_induction_is_half_a_mg_per_kg_over_40_minutes_six_times() -> None:
    protocol = get_protocol("depression-iv-induction")
    assert isinstance(protocol.dose, MgPerKgDose)
    assert (protocol.dose.mg_per_kg, protocol.dose.weight_basis) == (0.5, "actual")
    assert protocol.infusion is not None and protocol.infusion.duration_min == 40
    phase = protocol.schedule[0]
    assert (phase.sessions, phase.interval_days_min, phase.interval_days_max) == (6, 2, 4)


def test_crps_regimen_is_035_mg_per_kg_per_h_for_4_h_daily_for_10_days() -> None:
    protocol = get_protocol("crps-iv-10-day")
    assert isinstance(protocol.dose, MgPerKgPerHourDose)
    assert protocol.dose.mg_per_kg_per_h == 0.35
    assert protocol.infusion is not None and protocol.infusion.duration_min == 240
    assert (protocol.schedule[0].sessions, protocol.schedule[0].interval_days_max) == (10, 1)


def test_outpatient_pain_infusion_is_100_to_200_mg_over_4_hours() -> None:
    protocol = get_protocol("pain-iv-outpatient-4h")
    assert isinstance(protocol.dose, FixedDose)
    assert (protocol.dose.min_mg, protocol.dose.max_mg) == (100, 200)
    assert [phase.phase for phase in protocol.schedule] == [
        "initial",
        "taper: twice weekly",
        "taper: every other week",
        "taper: monthly",
        "taper: every 3 months",
    ]


@pytest.mark.parametrize(
    ("protocol_id", "options", "first", "ages"),
    [
        ("esketamine-trd-induction", (56, 84), 56, (18, 64)),
        ("esketamine-trd-induction-65-plus", (28, 56, 84), 28, (65, None)),
        ("esketamine-trd-maintenance", (56, 84), None, (18, 64)),
        ("esketamine-trd-maintenance-65-plus", (28, 56, 84), None, (65, None)),
        ("esketamine-mdsi", (56, 84), 84, (18, None)),
    ],
)
def test_spravato_label_doses(
    protocol_id: str, options: tuple[int, ...], first: int | None, ages: tuple[int, int | None]
) -> None:
    protocol = get_protocol(protocol_id)
    assert isinstance(protocol.dose, DeviceDose)
    assert (protocol.dose.device_mg, protocol.dose.device_interval_min) == (28, 5)
    assert (protocol.dose.options_mg, protocol.dose.first_session_mg) == (options, first)
    assert (protocol.age_min_years, protocol.age_max_years) == ages
    monitoring = protocol.monitoring
    assert (monitoring.min_observation_min, monitoring.observation_from) == (120, "first_dose")
    assert monitoring.bp_checks_min == (0, 40)
    assert monitoring.pulse_oximetry is True
    assert protocol.preparation is not None
    assert (protocol.preparation.food_fast_min, protocol.preparation.liquid_fast_min) == (120, 30)
    assert {"bp_at_40_min", "pulse_oximetry_recorded"} <= set(protocol.discharge.criteria)


def test_spravato_induction_is_twice_weekly_for_four_weeks() -> None:
    phase = get_protocol("esketamine-trd-induction").schedule[0]
    assert (phase.sessions, phase.interval_days_min, phase.interval_days_max, phase.weeks) == (
        8,
        3,
        4,
        (1, 4),
    )


def test_spravato_maintenance_phases() -> None:
    weeks_5_8, week_9_on = get_protocol("esketamine-trd-maintenance").schedule
    assert (weeks_5_8.sessions, weeks_5_8.interval_days_min, weeks_5_8.weeks) == (4, 7, (5, 8))
    assert (week_9_on.sessions, week_9_on.interval_days_min, week_9_on.interval_days_max) == (
        None,
        7,
        14,
    )


def test_home_protocol_needs_a_sitter_and_has_no_clinic_discharge() -> None:
    protocol = get_protocol("depression-sublingual-troche-home")
    assert protocol.setting == "home"
    assert protocol.monitoring.sitter_required is True
    assert protocol.monitoring.suicidality_gate_before_dose is True
    assert protocol.monitoring.instruments_weekly == ("phq9", "gad7")
    assert protocol.discharge.criteria == ()


def test_non_drug_services_are_protocol_less_service_types() -> None:
    services = load_services()
    non_drug = {sid for sid, service in services.items() if service.kind == "non_drug"}
    assert non_drug == {
        "consultation",
        "iv_hydration",
        "acupuncture",
        "talk_therapy",
        "integration_session",
        "follow_up",
    }
    used = {protocol.service for protocol in load_protocols().values()}
    assert not used & non_drug
    spravato = services["esketamine_session"]
    assert (spravato.needs_prescriber_on_site, spravato.min_chair_block_min) == (True, 120)
    assert services["consultation"].free is True


def test_unknown_protocol_lists_the_known_ids() -> None:
    with pytest.raises(LookupError, match="unknown protocol 'iv'; known: crps-iv-10-day"):
        get_protocol("iv")


# --- Broken files fail loudly, naming the file and the key ------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Path:
    shutil.copy(PROTOCOLS_DIR / "depression-iv-induction.toml", tmp_path)
    return tmp_path


def _break(library: Path, old: str, new: str) -> ClinicalDataError:
    path = library / "depression-iv-induction.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ClinicalDataError) as caught:
        load_protocols(library)
    assert caught.value.path == str(path)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("mg_per_kg = 0.5", "mg_per_kg = 0.9", "dose.mg_per_kg"),
        ("mg_per_kg = 0.5", 'mg_per_kg = "half"', "dose.mg_per_kg"),
        ("duration_min = 40", "duraton_min = 40", "infusion.duraton_min"),
        ('rule = "mg_per_kg"', 'rule = "mg_per_m2"', "dose"),
        (
            'sources = ["sanacora-2017", "andrade-2017", "elektd-2023", '
            '"freeman-2020-bmi"]\n\n[infusion]',
            'sources = []\n\n[infusion]',
            "dose.sources",
        ),
        ('service = "ketamine_infusion"', 'service = "acupuncture"', "service"),
        ('indication_codes = ["F32", "F33"]', 'indication_codes = ["X99"]', "indication_codes[0]"),
        ('instruments_before_session = ["phq9"]', 'instruments_before_session = ["bdi"]',
         "monitoring.instruments_before_session[0]"),
        ('"observation_time",', '"looks_fine",', "discharge.criteria[0]"),
        ('id = "depression-iv-induction"', 'id = "depression-iv"', "id"),
        ('route = "iv"', 'route = "oral"', "route"),
        ('screening_option = "ketamine_iv"', 'screening_option = "ketamine_im"',
         "screening_option"),
        ('drug = "ketamine"', 'drug = "esketamine"', "dose.rule"),
    ],
)  # fmt: skip
def test_broken_protocol_names_file_and_key(library: Path, old: str, new: str, key: str) -> None:
    assert _break(library, old, new).key == key


def test_missing_infusion_block_is_named(library: Path) -> None:
    path = library / "depression-iv-induction.toml"
    text = path.read_text()
    start = text.index("[infusion]")
    end = text.index("[[schedule]]")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ClinicalDataError) as caught:
        load_protocols(library)
    assert caught.value.key == "infusion"


def test_unknown_source_is_named(library: Path) -> None:
    error = _break(library, '"elektd-2023", "freeman-2020-bmi"]\n\n[infusion]',
                   '"elektd-2023", "nobody-2099"]\n\n[infusion]')  # fmt: skip
    assert error.key == "dose.sources"
    assert "nobody-2099" in error.message


def test_empty_library_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ClinicalDataError, match="no protocol files found"):
        load_protocols(tmp_path)


# --- caps and session limits (the review of every protocol) ----------------------------------


def test_crps_rate_is_capped_at_25_mg_per_h_by_schwartzman() -> None:
    """0.35 mg/kg/h, not to exceed 25 mg/h over 4 h (Schwartzman et al., Pain 2009;147:107-115;
    clinical.md §8.2)."""
    dose = get_protocol("crps-iv-10-day").dose
    assert isinstance(dose, MgPerKgPerHourDose)
    assert dose.max_rate_mg_per_h is not None
    assert (dose.max_rate_mg_per_h.value, dose.max_rate_mg_per_h.sources) == (
        25,
        ("schwartzman-2009",),
    )
    assert dose.max_session_mg is None
    assert get_protocol("crps-iv-10-day").version == 2  # the dose changed


def test_only_crps_has_a_cap() -> None:
    """No other source sets a ceiling beyond its range: Spravato's 84 mg maximum is its device
    options (label), the home troche's 120 mg its range (Joyous), the rest have none."""
    capped = sorted(
        protocol.id
        for protocol in load_protocols().values()
        if not isinstance(protocol.dose, DeviceDose)
        and (protocol.dose.max_rate_mg_per_h or protocol.dose.max_session_mg)
    )
    assert capped == ["crps-iv-10-day"]


LIMITS = {
    "crps-iv-10-day": (12, 100, None),
    "depression-im": (None, None, None),
    "depression-intranasal-racemic": (None, None, None),
    "depression-iv-induction": (36, None, None),
    "depression-iv-maintenance": (None, None, None),
    "depression-sublingual-troche-home": (12, 120, None),
    "esketamine-mdsi": (60, None, None),
    "esketamine-trd-induction": (60, None, None),
    "esketamine-trd-induction-65-plus": (60, None, None),
    "esketamine-trd-maintenance": (156, None, None),
    "esketamine-trd-maintenance-65-plus": (156, None, None),
    "pain-iv-outpatient-4h": (60, None, None),
    "ptsd-iv-induction": (36, None, None),
    "suicidal-ideation-iv": (36, None, None),
}


@pytest.mark.parametrize("protocol_id", PROTOCOL_IDS)
def test_session_limits_of_every_protocol(protocol_id: str) -> None:
    """Minimum hours: the shortest published spacing less 12 h (ketacare-session-spacing; e.g.
    Murrough 2013 three-weekly -> 36 h, SPRAVATO PI twice weekly -> 60 h, weekly -> 156 h);
    daily maxima: CRPS 100 mg (Schwartzman 2009), home troches 120 mg (Joyous)."""
    limits = get_protocol(protocol_id).limits
    values = tuple(
        cited.value if cited is not None else None
        for cited in (limits.min_interval_hours, limits.max_mg_per_day, limits.max_mg_per_week)
    )
    assert values == LIMITS[protocol_id]
    if limits.min_interval_hours is not None:
        assert "ketacare-session-spacing" in limits.min_interval_hours.sources


def test_no_library_protocol_has_an_obesity_basis() -> None:
    """No ketamine source found doses obese patients on ideal or adjusted weight (Freeman 2020:
    trials used actual weight); every weight-based protocol says so by citing it."""
    for protocol in load_protocols().values():
        dose = protocol.dose
        if isinstance(dose, MgPerKgDose | MgPerKgPerHourDose):
            assert (dose.weight_basis, dose.obesity) == ("actual", None), protocol.id
            if isinstance(dose, MgPerKgDose):
                assert "freeman-2020-bmi" in dose.sources, protocol.id
