"""Views of a vitals timeline: baseline before dosing, readings after, latest values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ketacare.clinical.safety.models import VitalsReading


@dataclass(frozen=True)
class Timeline:
    readings: tuple[VitalsReading, ...]  # sorted by t_min

    @classmethod
    def of(cls, readings: Sequence[VitalsReading]) -> Timeline:
        return cls(tuple(sorted(readings, key=lambda reading: reading.t_min)))

    @property
    def before_dose(self) -> tuple[VitalsReading, ...]:
        return tuple(reading for reading in self.readings if reading.t_min <= 0)

    @property
    def after_dose(self) -> tuple[VitalsReading, ...]:
        return tuple(reading for reading in self.readings if reading.t_min > 0)

    @staticmethod
    def last(
        readings: Sequence[VitalsReading], present: Callable[[VitalsReading], bool]
    ) -> VitalsReading | None:
        matching = [reading for reading in readings if present(reading)]
        return matching[-1] if matching else None

    @property
    def baseline_bp(self) -> VitalsReading | None:
        return self.last(self.before_dose, lambda r: r.has_bp)

    @property
    def baseline_heart_rate(self) -> VitalsReading | None:
        return self.last(self.before_dose, lambda r: r.heart_rate_bpm is not None)

    @property
    def baseline_spo2(self) -> VitalsReading | None:
        return self.last(self.before_dose, lambda r: r.spo2_percent is not None)
