"""Intervals: half-open, aware, and the set algebra the slot search is built on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.scheduling.domain.intervals import (
    Interval,
    covers,
    intersect,
    merge,
    overlaps_any,
    subtract,
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def span(start: int, end: int) -> Interval:
    return Interval(at(start), at(end))


def test_naive_start_is_refused_naming_the_field() -> None:
    """A naive time would mean the server's zone (DESIGN.md: times stored in UTC)."""
    with pytest.raises(ClinicalInputError) as raised:
        Interval(datetime(2026, 3, 2, 9), at(10))  # noqa: DTZ001
    assert raised.value.field == "start"
    assert raised.value.message == (
        "datetime.datetime(2026, 3, 2, 9, 0) has no time zone: give an aware date-time (e.g. UTC)"
    )


def test_end_not_after_start_is_refused() -> None:
    """An empty or reversed interval books nothing (docs/scheduling.md, intervals)."""
    with pytest.raises(ClinicalInputError) as raised:
        Interval(at(10), at(10))
    assert str(raised.value) == (
        "end: 2026-03-02T10:00:00+00:00 must be after start 2026-03-02T10:00:00+00:00"
    )


def test_instants_are_normalised_to_utc() -> None:
    """Equal instants in different zones are the same interval (times stored in UTC)."""
    eastern = timezone(timedelta(hours=-5))
    local = Interval(
        datetime(2026, 3, 2, 4, tzinfo=eastern), datetime(2026, 3, 2, 5, tzinfo=eastern)
    )
    assert local == span(9, 10)
    assert local.start.tzinfo is UTC
    assert local.minutes == 60.0


def test_touching_intervals_do_not_overlap() -> None:
    """Half-open: an appointment ending 10:00 and one starting 10:00 do not clash."""
    assert not span(9, 10).overlaps(span(10, 11))
    assert span(9, 10).overlaps(Interval(at(9, 59), at(11)))
    assert overlaps_any([span(8, 9), span(12, 13)], Interval(at(12, 30), at(14)))
    assert not overlaps_any([span(8, 9), span(12, 13)], span(9, 12))


def test_merge_joins_overlapping_and_touching() -> None:
    """Merging gives the fewest intervals with the same instants (docs/scheduling.md)."""
    assert merge([span(12, 13), span(9, 10), span(10, 11), Interval(at(12, 30), at(12, 45))]) == [
        span(9, 11),
        span(12, 13),
    ]


def test_subtract_cuts_busy_time_out_of_free_time() -> None:
    """Free minus busy is what the slot search may use (docs/scheduling.md)."""
    free = [span(9, 17)]
    busy = [span(10, 11), Interval(at(10, 30), at(12)), span(16, 18), span(6, 7)]
    assert subtract(free, busy) == [span(9, 10), span(12, 16)]
    assert subtract(free, [span(8, 18)]) == []
    assert subtract(free, []) == [span(9, 17)]


def test_intersect_keeps_what_both_hold() -> None:
    """A nurse's hours count only inside the site's opening hours (docs/scheduling.md)."""
    assert intersect([span(8, 12), span(13, 18)], [span(9, 17)]) == [span(9, 12), span(13, 17)]
    assert intersect([span(8, 9)], [span(9, 10)]) == []


def test_covers_needs_one_stretch_holding_the_whole_block() -> None:
    """A block split by a gap is not covered, even if the pieces add up (docs/scheduling.md)."""
    assert covers([span(9, 10), span(10, 12)], span(9, 11))
    assert not covers([span(9, 10), Interval(at(10, 1), at(12))], span(9, 11))
