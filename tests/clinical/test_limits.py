"""Limits across a course: hours between sessions, sessions per phase, mg per day and per week.

Boundaries: exactly at a limit passes, one step beyond fails. Properties: no sequence of sessions
accepted without an override breaks a limit in any window, and a refusal is stable.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ketacare.clinical.errors import ClinicalDataError, ClinicalInputError
from ketacare.clinical.limits import (
    DAY,
    WEEK,
    GivenSession,
    LimitViolation,
    accept_session,
    check_proposed_session,
)
from ketacare.clinical.protocols import Protocol, get_protocol, load_protocol_file
from ketacare.clinical.protocols.loader import PROTOCOLS_DIR
from ketacare.clinical.sources import cite

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def codes(
    protocol: Protocol | str, history: list[GivenSession], proposed: GivenSession
) -> list[str]:
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    return [v.code for v in check_proposed_session(protocol, history, proposed).violations]


def _crps_with_week_limit(directory: Path) -> Protocol:
    """CRPS (10 daily sessions, 12 h apart at least, 100 mg a day) plus 400 mg in any 7 days."""
    path = directory / "crps-iv-10-day.toml"
    shutil.copy(PROTOCOLS_DIR / "crps-iv-10-day.toml", path)
    text = path.read_text()
    day = 'max_mg_per_day = { value = 100, sources = ["schwartzman-2009"] }'
    week = 'max_mg_per_week = { value = 400, sources = ["ketacare-placeholder"] }'
    assert day in text
    path.write_text(text.replace(day, f"{day}\n{week}"))
    return load_protocol_file(path)


@functools.cache
def crps_week_protocol() -> Protocol:
    return _crps_with_week_limit(Path(tempfile.mkdtemp(prefix="ketacare-limits-")))


@pytest.fixture
def crps_week() -> Protocol:
    return crps_week_protocol()


# --- minimum interval ------------------------------------------------------------------------


def test_iv_induction_sessions_36_hours_apart_pass() -> None:
    """Three infusions a week (Murrough 2013): 48 h less 12 h for the time of day
    (ketacare-session-spacing): 36 h passes, in either order."""
    history = [GivenSession(T0, 40, "induction")]
    assert codes("depression-iv-induction", history, GivenSession(at(36), 40, "induction")) == []
    assert codes("depression-iv-induction", history, GivenSession(at(-36), 40, "induction")) == []


def test_iv_induction_sessions_a_minute_under_36_hours_apart_need_an_override() -> None:
    """Murrough 2013 schedule, ketacare-session-spacing: 35 h 59 min is too close."""
    protocol = get_protocol("depression-iv-induction")
    proposed = GivenSession(T0 + 36 * HOUR - MINUTE, 40, "induction")
    (violation,) = check_proposed_session(
        protocol, [GivenSession(T0, 40, "induction")], proposed
    ).violations
    assert violation == LimitViolation(
        code="min_interval",
        limit=36.0,
        value=35.98,
        message="35.98 h from the session at 2026-03-02T09:00+00:00, less than the minimum 36 h "
        "between sessions of protocol depression-iv-induction",
        source=cite("murrough-2013", "ketacare-session-spacing"),
        overridable=True,
    )


def test_spravato_induction_twice_weekly_is_60_hours_apart() -> None:
    """'Twice per week' (SPRAVATO PI), 3-4 days apart: 72 h less 12 h."""
    history = [GivenSession(T0, 56, "induction")]
    assert codes("esketamine-trd-induction", history, GivenSession(at(60), 84, "induction")) == []
    assert codes("esketamine-trd-induction", history, GivenSession(at(59.9), 84, "induction")) == [
        "min_interval"
    ]


def test_spravato_maintenance_weekly_is_156_hours_apart() -> None:
    """'Once weekly' (SPRAVATO PI): 7 days less 12 h."""
    history = [GivenSession(T0, 56, "maintenance weeks 5-8")]
    phase = "maintenance week 9 onwards"
    assert codes("esketamine-trd-maintenance", history, GivenSession(at(156), 56, phase)) == []
    assert codes("esketamine-trd-maintenance", history, GivenSession(at(155.9), 56, phase)) == [
        "min_interval"
    ]


# --- sessions in a phase ---------------------------------------------------------------------


def test_the_tenth_crps_session_passes_and_the_eleventh_needs_an_override() -> None:
    """Ten daily 4-hour infusions (Schwartzman 2009; Cohen 2018)."""
    protocol = get_protocol("crps-iv-10-day")
    history = [GivenSession(at(24 * day), 100, "daily course") for day in range(9)]
    assert codes(protocol, history, GivenSession(at(24 * 9), 100, "daily course")) == []
    history.append(GivenSession(at(24 * 9), 100, "daily course"))
    (violation,) = check_proposed_session(
        protocol, history, GivenSession(at(24 * 10), 100, "daily course")
    ).violations
    assert (violation.code, violation.limit, violation.value, violation.overridable) == (
        "max_sessions_in_phase", 10, 11, True,
    )  # fmt: skip
    assert violation.message == (
        "session 11 of phase 'daily course' is beyond its 10 sessions (protocol crps-iv-10-day)"
    )
    assert violation.source == cite("cohen-2018", "schwartzman-2009")


def test_sessions_of_another_phase_do_not_count() -> None:
    """Spravato maintenance: 4 weekly sessions in weeks 5-8, open-ended from week 9 (label)."""
    history = [GivenSession(at(168 * week), 56, "maintenance weeks 5-8") for week in range(4)]
    later = GivenSession(at(168 * 4), 56, "maintenance week 9 onwards")
    assert codes("esketamine-trd-maintenance", history, later) == []
    fifth = GivenSession(at(168 * 4), 56, "maintenance weeks 5-8")
    assert codes("esketamine-trd-maintenance", history, fifth) == ["max_sessions_in_phase"]


# --- mg per day ------------------------------------------------------------------------------


def test_home_troches_up_to_120_mg_in_24_hours_pass() -> None:
    """Daily troches of 10-120 mg (Joyous): 60 + 60 mg 12 h apart is 120 mg, at the limit."""
    history = [GivenSession(T0, 60, "daily")]
    protocol = "depression-sublingual-troche-home"
    assert codes(protocol, history, GivenSession(at(12), 60, "daily")) == []


def test_home_troches_above_120_mg_in_24_hours_are_refused() -> None:
    """Joyous: 60 + 60.1 mg in 24 h is above 120 mg; no override."""
    protocol = get_protocol("depression-sublingual-troche-home")
    (violation,) = check_proposed_session(
        protocol, [GivenSession(T0, 60, "daily")], GivenSession(at(12), 60.1, "daily")
    ).violations
    assert violation == LimitViolation(
        code="max_mg_per_day",
        limit=120.0,
        value=120.1,
        message="120.1 mg in the 24 hours from 2026-03-02T09:00+00:00, above the maximum 120 mg "
        "per day of protocol depression-sublingual-troche-home",
        source=cite("joyous-provider"),
        overridable=False,
    )


def test_a_day_is_any_24_hours_half_open() -> None:
    """Joyous 120 mg a day: two 120 mg doses exactly 24 h apart fall in different days; a
    minute less and they share one."""
    history = [GivenSession(T0, 120, "daily")]
    protocol = "depression-sublingual-troche-home"
    assert codes(protocol, history, GivenSession(T0 + DAY, 120, "daily")) == []
    assert codes(protocol, history, GivenSession(T0 + DAY - MINUTE, 120, "daily")) == [
        "max_mg_per_day"
    ]


def test_a_back_dated_session_is_checked_against_later_ones() -> None:
    """The window holding a session may start before it (Joyous, 120 mg a day)."""
    history = [GivenSession(at(10), 100, "daily")]
    protocol = "depression-sublingual-troche-home"
    assert codes(protocol, history, GivenSession(at(-2), 30, "daily")) == ["max_mg_per_day"]
    assert codes(protocol, history, GivenSession(at(-2), 20, "daily")) == []


def test_crps_is_at_most_100_mg_a_day() -> None:
    """25 mg/h x 4 h once a day (Schwartzman 2009): a 100 mg session and a second one 12 h later
    break the daily maximum."""
    history = [GivenSession(T0, 100, "daily course")]
    assert codes("crps-iv-10-day", history, GivenSession(at(12), 1, "daily course")) == [
        "max_mg_per_day"
    ]


# --- mg per week -----------------------------------------------------------------------------


def test_mg_in_any_7_days(crps_week: Protocol) -> None:
    """A 7-day maximum (400 mg here): four 100 mg days are at it; a fifth within 7 days of the
    first breaks it; exactly 7 days after the first it is a new window."""
    history = [GivenSession(at(24 * day), 100, "daily course") for day in range(4)]
    assert codes(crps_week, history[:3], history[3]) == []
    (violation,) = check_proposed_session(
        crps_week, history, GivenSession(at(24 * 4), 100, "daily course")
    ).violations
    assert (violation.code, violation.limit, violation.value) == ("max_mg_per_week", 400, 500)
    assert violation.message == (
        "500 mg in the 7 days from 2026-03-02T09:00+00:00, above the maximum 400 mg per 7 days "
        "of protocol crps-iv-10-day"
    )
    assert codes(crps_week, history, GivenSession(T0 + WEEK, 100, "daily course")) == []
    assert codes(crps_week, history, GivenSession(T0 + WEEK - MINUTE, 100, "daily course")) == [
        "max_mg_per_week"
    ]


def test_a_week_limit_below_the_day_limit_is_a_data_error(tmp_path: Path) -> None:
    """A 7-day maximum below the daily one is a broken file (the day's limit would never bind)."""
    path = tmp_path / "crps-iv-10-day.toml"
    shutil.copy(PROTOCOLS_DIR / "crps-iv-10-day.toml", path)
    path.write_text(
        path.read_text() + 'max_mg_per_week = { value = 50, sources = ["ketacare-placeholder"] }\n'
    )
    with pytest.raises(ClinicalDataError) as caught:
        load_protocol_file(path)
    assert caught.value.message == "must not be below max_mg_per_day"


# --- accepting a session ---------------------------------------------------------------------


def test_a_clean_session_is_accepted_without_a_reason() -> None:
    """The first infusion of the induction (Murrough 2013 schedule) breaks nothing."""
    check = accept_session(
        get_protocol("depression-iv-induction"), [], GivenSession(T0, 40, "induction")
    )
    assert (check.ok, check.violations, check.override_reason) == (True, (), None)


def test_a_hard_limit_refuses_and_lists_every_violation() -> None:
    """Joyous 120 mg a day (no override) and 12 h spacing: both are named at once."""
    protocol = get_protocol("depression-sublingual-troche-home")
    with pytest.raises(ClinicalInputError) as caught:
        accept_session(
            protocol, [GivenSession(T0, 100, "daily")], GivenSession(at(2), 40, "daily"),
            override_reason="the patient asked for a second dose",
        )  # fmt: skip
    assert caught.value.field == "proposed"
    assert caught.value.message == (
        "refused, a limit that cannot be overridden: 2 h from the session at "
        "2026-03-02T09:00+00:00, less than the minimum 12 h between sessions of protocol "
        f"depression-sublingual-troche-home ({cite('joyous-provider', 'ketacare-session-spacing')})"
        "; 140 mg in the 24 hours from 2026-03-02T09:00+00:00, above the maximum 120 mg per day "
        f"of protocol depression-sublingual-troche-home ({cite('joyous-provider')})"
    )


@pytest.mark.parametrize("reason", [None, "", "   ", "ok", "1234567890", "x  y  z  w"])
def test_an_overridable_limit_needs_a_real_reason(reason: str | None) -> None:
    """Murrough 2013 spacing (ketacare-session-spacing): at least 10 characters, 3 letters."""
    protocol = get_protocol("depression-iv-induction")
    with pytest.raises(ClinicalInputError) as caught:
        accept_session(
            protocol, [GivenSession(T0, 40, "induction")], GivenSession(at(24), 40, "induction"),
            override_reason=reason,
        )  # fmt: skip
    assert caught.value.field == "override_reason"
    assert caught.value.message.startswith(
        "a reason of at least 10 characters is needed to override: 24 h from the session at "
    )


def test_an_override_with_a_reason_is_recorded() -> None:
    """Spacing under 36 h (Murrough 2013, ketacare-session-spacing) goes ahead with a reason,
    kept in one line."""
    protocol = get_protocol("depression-iv-induction")
    check = accept_session(
        protocol, [GivenSession(T0, 40, "induction")], GivenSession(at(24), 40, "induction"),
        override_reason="  travelling abroad next week,\n moved earlier ",
    )  # fmt: skip
    assert [v.code for v in check.violations] == ["min_interval"]
    assert check.override_reason == "travelling abroad next week, moved earlier"


# --- bad input -------------------------------------------------------------------------------


def test_a_naive_time_is_refused_by_name() -> None:
    """Times are stored in UTC and shown in the clinic's zone (DESIGN.md): naive is ambiguous."""
    protocol = get_protocol("depression-iv-induction")
    naive = T0.replace(tzinfo=None)
    with pytest.raises(ClinicalInputError) as caught:
        check_proposed_session(protocol, [], GivenSession(naive, 40, "induction"))
    assert (caught.value.field, caught.value.message) == (
        "proposed.at",
        "datetime.datetime(2026, 3, 2, 9, 0) has no time zone: give an aware date-time (e.g. UTC)",
    )
    with pytest.raises(ClinicalInputError) as caught:
        check_proposed_session(
            protocol, [GivenSession(naive, 40, "induction")], GivenSession(T0, 40, "induction")
        )
    assert caught.value.field == "history[0].at"


@pytest.mark.parametrize("dose", [0, -5, float("nan"), float("inf"), 2000.1])
def test_an_impossible_dose_is_refused(dose: float) -> None:
    """Above 0 and at most DOSE_MAX_MG, the largest published clinical dose (Zanos 2018)."""
    with pytest.raises(ClinicalInputError) as caught:
        check_proposed_session(
            get_protocol("depression-iv-induction"), [], GivenSession(T0, dose, "induction")
        )
    assert caught.value.field == "proposed.dose_mg"
    assert caught.value.message.endswith("must be above 0 and at most 2000 mg")


def test_an_unknown_phase_is_refused_naming_the_phases() -> None:
    """Phases are the protocol's schedule (SPRAVATO PI maintenance weeks 5-8, week 9 onwards)."""
    with pytest.raises(ClinicalInputError) as caught:
        check_proposed_session(
            get_protocol("esketamine-trd-maintenance"), [], GivenSession(T0, 56, "induction")
        )
    assert (caught.value.field, caught.value.message) == (
        "proposed.phase",
        "'induction' is not a phase of protocol esketamine-trd-maintenance; phases: "
        "'maintenance weeks 5-8', 'maintenance week 9 onwards'",
    )


# --- properties ------------------------------------------------------------------------------

_PROPOSALS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4 * 24 * 21),  # quarter hours over three weeks
        st.sampled_from([1.0, 25.0, 37.5, 50.0, 99.9, 100.0]),
    ),
    max_size=30,
)


def _run(protocol: Protocol, proposals: list[tuple[int, float]]) -> list[GivenSession]:
    accepted: list[GivenSession] = []
    for quarter, dose in proposals:
        proposed = GivenSession(T0 + timedelta(minutes=15 * quarter), dose, "daily course")
        if check_proposed_session(protocol, accepted, proposed).ok:
            accepted.append(proposed)
    return accepted


def _window_mg(sessions: list[GivenSession], start: datetime, width: timedelta) -> float:
    return sum(s.dose_mg for s in sessions if start <= s.at < start + width)


#: Five 100 mg days in a row, then sessions crowding one day: every limit is reached.
_CROWDED = [*[(96 * day, 100.0) for day in range(12)], (4, 1.0), (50, 25.0), (96 * 6 + 47, 50.0)]


@settings(deadline=None, max_examples=150)
@given(_PROPOSALS)
@example(_CROWDED)
def test_sessions_accepted_without_override_never_break_a_limit(
    proposals: list[tuple[int, float]],
) -> None:
    """Whatever the order, the accepted sessions keep 12 h apart, at most 10 in the phase, at
    most 100 mg in any 24 h (Schwartzman 2009) and 400 mg in any 7 days: every window checked."""
    protocol = crps_week_protocol()
    accepted = _run(protocol, proposals)
    times = sorted(s.at for s in accepted)
    assert all(
        later - earlier >= 12 * HOUR for earlier, later in zip(times, times[1:], strict=False)
    )
    assert len(accepted) <= 10
    for session in accepted:  # the heaviest windows start at a session
        assert _window_mg(accepted, session.at, DAY) <= 100
        assert _window_mg(accepted, session.at, WEEK) <= 400


@settings(deadline=None, max_examples=150)
@given(_PROPOSALS, st.integers(min_value=0, max_value=4 * 24 * 21), st.floats(1, 100))
@example(_CROWDED, 96 * 3 + 2, 50.0)
def test_a_refused_session_stays_refused(
    proposals: list[tuple[int, float]], quarter: int, dose: float
) -> None:
    """The same history gives the same refusal; more history never lifts it."""
    protocol = crps_week_protocol()
    accepted = _run(protocol, proposals)
    proposed = GivenSession(T0 + timedelta(minutes=15 * quarter), dose, "daily course")
    first = check_proposed_session(protocol, accepted, proposed)
    if first.ok:
        return
    assert check_proposed_session(protocol, accepted, proposed) == first
    more = [*accepted, GivenSession(T0 + 30 * DAY, 1.0, "daily course")]
    assert not check_proposed_session(protocol, more, proposed).ok
