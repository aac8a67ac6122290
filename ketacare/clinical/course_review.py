"""Course review: what a course's serial scores say the prescriber should look at now.

Three rules, each a flag for review (the software advises; the prescriber decides):

- ``nonresponse_review``: after ``course_nonresponse_sessions_iv`` racemic IV induction
  sessions no symptom score has fallen ``course_nonresponse_improvement_percent`` from its
  baseline (reference §2.1: "assess the benefit-risk of continuing if there is no response
  after about 3 infusions", unverified; a >= 20 % MADRS fall after 3-4 infusions separates
  eventual responders, ``translpsych-2024-nonimprovement``).
- ``spravato_induction_benefit_check``: the SPRAVATO label's check at the end of induction
  (week 4, or 8 sessions), due until it is recorded.
- ``treatment_emergent_mania``: a bipolar patient's YMRS during the course at or above
  ``course_mania_ymrs_min`` or risen ``course_mania_ymrs_rise_points`` from baseline.

A score's ``session_number`` is the number of sessions done when it was taken: 0 (or None on
or before the course start) is a baseline; a score without one never judges response.
Scores are sorted before use, so the flags never depend on their order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instrument_ids import INSTRUMENT_IDS
from ketacare.clinical.instruments.registry import get_instrument
from ketacare.clinical.protocols import Protocol, get_protocol
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings
from ketacare.clinical.sources import cite

#: Symptom measures of the conditions treated, most specific first; GAD-7 is left out so
#: that an anxiety change cannot hide a depression non-response.
OUTCOME_INSTRUMENTS = ("madrs", "qids_sr16", "phq9", "pcl5", "ybocs", "pain_nrs", "peg")
#: SPRAVATO induction: weeks 1-4, twice weekly (``spravato-pi-induction-review``).
SPRAVATO_INDUCTION_DAYS = 28
SPRAVATO_INDUCTION_SESSIONS = 8
#: YMRS totals run 0-60 (``young-1978-ymrs``); taken as plain numbers keyed "ymrs".
YMRS_ID = "ymrs"
YMRS_RANGE = (0, 60)
#: More sessions than this in one course is a typing error, not a course.
MAX_SESSIONS = 365


@dataclass(frozen=True)
class CourseScore:
    """One total from the course (``session_number``: sessions done when it was taken)."""

    instrument_id: str
    total: float
    taken_on: date
    session_number: int | None = None


@dataclass(frozen=True)
class CourseFlag:
    """A review flag: a stable code, a message with the numbers, and the cited source."""

    code: str
    message: str
    source: str


def _order(score: CourseScore) -> tuple[date, int, float]:
    session = -1 if score.session_number is None else score.session_number
    return (score.taken_on, session, score.total)


def _abbreviation(instrument_id: str) -> str:
    if instrument_id == YMRS_ID and instrument_id not in INSTRUMENT_IDS:
        return "YMRS"
    return get_instrument(instrument_id).abbreviation


def _number(value: float) -> str:
    return f"{value:g}"


def _check_score(index: int, score: CourseScore, sessions_done: int, today: date) -> None:
    field = f"scores[{index}]"
    if score.instrument_id in INSTRUMENT_IDS:
        definition = get_instrument(score.instrument_id)
        low, high = definition.min_total, definition.max_total
    elif score.instrument_id == YMRS_ID:
        low, high = YMRS_RANGE
    else:
        allowed = ", ".join((*INSTRUMENT_IDS, YMRS_ID))
        raise ClinicalInputError(
            f"{field}.instrument_id", f"unknown instrument {score.instrument_id!r}; {allowed}"
        )
    total = score.total
    if isinstance(total, bool) or not isinstance(total, int | float) or not math.isfinite(total):
        raise ClinicalInputError(f"{field}.total", f"{total!r} is not a number")
    if not float(total).is_integer():
        raise ClinicalInputError(f"{field}.total", f"{_number(total)} is not a whole number")
    if not low <= total <= high:
        raise ClinicalInputError(
            f"{field}.total",
            f"{_number(total)} is outside the {_abbreviation(score.instrument_id)} range "
            f"{low}-{high}",
        )
    if score.taken_on > today:
        raise ClinicalInputError(f"{field}.taken_on", f"{score.taken_on} is after today {today}")
    number = score.session_number
    if number is not None and not 0 <= number <= sessions_done:
        raise ClinicalInputError(
            f"{field}.session_number",
            f"{number} is outside 0-{sessions_done} (the sessions done so far)",
        )


def _baseline_and_latest(
    scores: Sequence[CourseScore], instrument_id: str, min_session: int, course_started: date
) -> tuple[CourseScore, CourseScore] | None:
    """The earliest baseline and the latest score taken after session ``min_session``.

    A baseline has session 0, or no session and a date on or before the course start; a
    score without a session number never counts as a follow-up (how many sessions it
    reflects is unknown).
    """
    mine = sorted((s for s in scores if s.instrument_id == instrument_id), key=_order)
    baseline = next(
        (
            s
            for s in mine
            if s.session_number == 0 or (s.session_number is None and s.taken_on <= course_started)
        ),
        None,
    )
    later = [
        s
        for s in mine
        if s.session_number is not None
        and s.session_number >= min_session
        and baseline is not None
        and _order(s) > _order(baseline)
    ]
    return (baseline, later[-1]) if baseline is not None and later else None


def _change_text(baseline: CourseScore, latest: CourseScore) -> str:
    name = _abbreviation(baseline.instrument_id)
    change = f"{name} {_number(baseline.total)} -> {_number(latest.total)}"
    if baseline.total == 0:
        return change
    fall = round(100 * (baseline.total - latest.total) / baseline.total, 1)
    return f"{change} ({_number(fall)} % lower)"


def _nonresponse(
    protocol: Protocol,
    phase: str,
    sessions_done: int,
    course_started: date,
    scores: Sequence[CourseScore],
    settings: ClinicSettings,
) -> list[CourseFlag]:
    first_phase = protocol.schedule[0].phase
    if protocol.drug != "ketamine" or protocol.route != "iv":
        return []
    if phase != first_phase or first_phase.startswith("maintenance"):
        return []
    needed_sessions = settings.course_nonresponse_sessions_iv
    if sessions_done < needed_sessions:
        return []
    percent = settings.course_nonresponse_improvement_percent
    source = cite("sanacora-2017-unverified", "translpsych-2024-nonimprovement")
    pairs = [
        pair
        for instrument_id in OUTCOME_INSTRUMENTS
        if (pair := _baseline_and_latest(scores, instrument_id, needed_sessions, course_started))
        is not None
    ]
    after = f"after {sessions_done} IV {phase} sessions"
    if not pairs:
        return [
            CourseFlag(
                "course_scores_missing",
                f"No symptom score can be compared with its baseline {after}: record a "
                f"baseline and a score after session {needed_sessions} to judge response.",
                source,
            )
        ]
    improved = [
        (baseline, latest)
        for baseline, latest in pairs
        if baseline.total > 0 and (baseline.total - latest.total) * 100 >= percent * baseline.total
    ]
    if improved:
        return []
    changes = "; ".join(_change_text(baseline, latest) for baseline, latest in pairs)
    return [
        CourseFlag(
            "nonresponse_review",
            f"No symptom score has fallen {_number(percent)} % or more from baseline {after}: "
            f"{changes}. Review the benefit and risk of continuing.",
            source,
        )
    ]


def _spravato_benefit_check(
    protocol: Protocol,
    sessions_done: int,
    course_started: date,
    today: date,
    scores: Sequence[CourseScore],
    recorded: bool,
) -> list[CourseFlag]:
    if protocol.drug != "esketamine" or not protocol.schedule[0].phase.startswith("induction"):
        return []
    days = (today - course_started).days
    if recorded or (days < SPRAVATO_INDUCTION_DAYS and sessions_done < SPRAVATO_INDUCTION_SESSIONS):
        return []
    changes = [
        _change_text(*pair)
        for instrument_id in OUTCOME_INSTRUMENTS
        if (pair := _baseline_and_latest(scores, instrument_id, 1, course_started)) is not None
    ]
    measured = f" Latest: {'; '.join(changes)}." if changes else " No score to compare yet."
    return [
        CourseFlag(
            "spravato_induction_benefit_check",
            f"End of Spravato induction ({days} days since the course began, {sessions_done} "
            "sessions): evaluate the evidence of therapeutic benefit to determine the need "
            f"for continued treatment.{measured}",
            cite("spravato-pi-induction-review"),
        )
    ]


def _emergent_mania(
    scores: Sequence[CourseScore], course_started: date, settings: ClinicSettings
) -> list[CourseFlag]:
    ymrs = sorted((s for s in scores if s.instrument_id == YMRS_ID), key=_order)
    if not ymrs:
        return []
    baseline = ymrs[0]
    minimum = settings.course_mania_ymrs_min
    rise = settings.course_mania_ymrs_rise_points
    during = [s for s in ymrs if s.taken_on >= course_started]
    found = [
        s
        for s in during
        if s.total >= minimum or (s is not baseline and s.total - baseline.total >= rise)
    ]
    if not found:
        return []
    worst = max(found, key=lambda s: s.total)  # the earliest of equal highs (sorted)
    reasons = []
    if worst.total >= minimum:
        reasons.append(f"at or above {minimum}")
    if worst is not baseline and worst.total - baseline.total >= rise:
        risen = _number(worst.total - baseline.total)
        reasons.append(f"{risen} points above the baseline {_number(baseline.total)}")
    return [
        CourseFlag(
            "treatment_emergent_mania",
            f"YMRS {_number(worst.total)} on {worst.taken_on.isoformat()} "
            f"({' and '.join(reasons)}): review for treatment-emergent mania or hypomania "
            "before the next dose.",
            cite("ymrs-emergent-mania-convention", "young-1978-ymrs"),
        )
    ]


def review_course(
    *,
    protocol_id: str,
    phase: str,
    sessions_done: int,
    course_started: date,
    today: date,
    scores: Sequence[CourseScore],
    bipolar: bool,
    benefit_check_recorded: bool = False,
    settings: ClinicSettings | None = None,
) -> tuple[CourseFlag, ...]:
    """Every review flag the course raises today; ``ClinicalInputError`` names bad input."""
    settings = settings or DEFAULT_SETTINGS
    protocol = get_protocol(protocol_id)
    phases = [p.phase for p in protocol.schedule]
    if phase not in phases:
        raise ClinicalInputError("phase", f"{phase!r} is not a phase of {protocol_id}: {phases}")
    if isinstance(sessions_done, bool) or not isinstance(sessions_done, int):
        raise ClinicalInputError("sessions_done", f"{sessions_done!r} is not a whole number")
    if not 0 <= sessions_done <= MAX_SESSIONS:
        raise ClinicalInputError(
            "sessions_done", f"{sessions_done} is outside the allowed range 0-{MAX_SESSIONS}"
        )
    if today < course_started:
        raise ClinicalInputError("today", f"{today} is before the course began ({course_started})")
    for index, score in enumerate(scores):
        _check_score(index, score, sessions_done, today)
    flags = _nonresponse(protocol, phase, sessions_done, course_started, scores, settings)
    flags += _spravato_benefit_check(
        protocol, sessions_done, course_started, today, scores, benefit_check_recorded
    )
    if bipolar:
        flags += _emergent_mania(scores, course_started, settings)
    return tuple(flags)
