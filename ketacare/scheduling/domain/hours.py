"""Weekly opening or working hours in a site's IANA zone, expanded to UTC intervals.

Hours are stated in local wall-clock time (a clinic opens at 09:00 whatever the season), so
they are converted day by day, never as "Monday 14:00 UTC + 7 days": a 09:00 opening stays
09:00 local across a DST change. Two wall-clock readings need a rule, applied deliberately:

- a local time that does not exist (the hour skipped when clocks go forward, 02:00-03:00 in
  America/New_York on 2026-03-08) moves to the instant the clocks jump (03:00 after the jump),
  so a span 01:00-02:30 that day lasts one real hour and a span inside the gap vanishes;
- a local time that happens twice (01:00-02:00 on 2026-11-01 in New York) is read as its
  first occurrence for a start and its second for an end, so a span covers every instant the
  wall clock reads inside it (00:30-01:30 that day lasts two real hours).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketacare.clinical.errors import ClinicalInputError
from ketacare.scheduling.domain.intervals import Interval, merge, subtract

#: (local start, local end) on one day; the end lies after the start on the same day.
Span = tuple[time, time]
#: Monday = 0 ... Sunday = 6 (``date.weekday()``) to that day's spans.
WeeklyPattern = Mapping[int, Sequence[Span]]
ExceptionKind = Literal["replace", "add", "remove"]
_MAX_RANGE_DAYS = 366
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class DayException:
    """A dated change to the weekly pattern.

    ``replace``: the day has exactly ``spans`` (none: closed, a holiday or a whole day of
    leave; fewer: shorter hours). ``add``: extra hours beside the pattern. ``remove``: part
    of the day off (an afternoon of leave, a meeting away from the site).
    """

    day: date
    kind: ExceptionKind
    spans: tuple[Span, ...] = field(default=())


def closed(day: date) -> DayException:
    """A day with no hours at all (holiday, whole day of leave)."""
    return DayException(day, "replace", ())


def zone(name: str | ZoneInfo) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is refused with the field ``time_zone``."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ClinicalInputError(
            "time_zone", f"{name!r} is not an IANA time zone (e.g. 'America/New_York')"
        ) from error


def _check_span(span: Span, field_name: str) -> None:
    start, end = span
    if not (isinstance(start, time) and isinstance(end, time)) or start.tzinfo or end.tzinfo:
        raise ClinicalInputError(field_name, f"{span!r} must be two naive local times")
    if end <= start:
        raise ClinicalInputError(
            field_name,
            f"end {end.isoformat('minutes')} must be after start {start.isoformat('minutes')} "
            "on the same day (a span past midnight is two spans)",
        )


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    back = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == naive


def _repeated(naive: datetime, tz: ZoneInfo) -> bool:
    first = naive.replace(tzinfo=tz, fold=0).utcoffset()
    return first != naive.replace(tzinfo=tz, fold=1).utcoffset()


def local_to_utc(day: date, at: time, tz: ZoneInfo, side: Literal["start", "end"]) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day``, by the module's DST rules."""
    naive = datetime.combine(day, at)
    if not _exists(naive, tz):
        # Walk forward to the first minute the wall clock shows again: the jump's instant.
        while not _exists(naive, tz):
            naive += _MINUTE
        return naive.replace(tzinfo=tz).astimezone(UTC)
    fold = 1 if side == "end" and _repeated(naive, tz) else 0
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def _day_intervals(day: date, spans: Sequence[Span], tz: ZoneInfo) -> list[Interval]:
    found = []
    for start, end in spans:
        start_utc = local_to_utc(day, start, tz, "start")
        end_utc = local_to_utc(day, end, tz, "end")
        if start_utc < end_utc:  # a span wholly inside a skipped hour vanishes
            found.append(Interval(start_utc, end_utc))
    return found


def expand_hours(
    pattern: WeeklyPattern,
    exceptions: Sequence[DayException],
    time_zone: str | ZoneInfo,
    first: date,
    last: date,
) -> list[Interval]:
    """The UTC intervals of ``pattern`` on local days ``first``..``last``, with exceptions.

    Exceptions apply in the order given: a ``replace`` resets the day, ``add`` and
    ``remove`` change what is there.
    """
    tz = zone(time_zone)
    if last < first:
        raise ClinicalInputError("last", f"{last} must not be before first {first}")
    if (last - first).days >= _MAX_RANGE_DAYS:
        raise ClinicalInputError(
            "last", f"a range of at most {_MAX_RANGE_DAYS} days, got {(last - first).days + 1}"
        )
    for weekday, spans in pattern.items():
        if weekday not in range(7):
            raise ClinicalInputError("pattern", f"weekday {weekday!r} must be 0 (Monday)-6")
        for index, span in enumerate(spans):
            _check_span(span, f"pattern[{weekday}][{index}]")
    by_day: dict[date, list[DayException]] = {}
    for index, exception in enumerate(exceptions):
        for number, span in enumerate(exception.spans):
            _check_span(span, f"exceptions[{index}].spans[{number}]")
        by_day.setdefault(exception.day, []).append(exception)
    found: list[Interval] = []
    day = first
    while day <= last:
        today = _day_intervals(day, pattern.get(day.weekday(), ()), tz)
        for exception in by_day.get(day, ()):
            changed = _day_intervals(day, exception.spans, tz)
            if exception.kind == "replace":
                today = changed
            elif exception.kind == "add":
                today = merge([*today, *changed])
            else:
                today = subtract(today, changed)
        found.extend(today)
        day += timedelta(days=1)
    return merge(found)
