"""One set of vital signs in words ("BP 122/78, HR 72, SpO₂ 98%, RR 14"): the chair page's
timeline and the drafted note write them alike."""

from __future__ import annotations

from typing import Any


def vital_parts(v: Any, *, spo2: str = "SpO₂") -> list[str]:
    """Each value charted, in the chair's order (``spo2``: the note writes it in plain
    letters, for the fax and the PDF)."""
    parts = []
    if v.systolic_mmhg is not None:
        parts.append(f"BP {v.systolic_mmhg}/{v.diastolic_mmhg}")
    if v.heart_rate_bpm is not None:
        parts.append(f"HR {v.heart_rate_bpm}")
    if v.spo2_percent is not None:
        parts.append(f"{spo2} {v.spo2_percent}%")
    if v.respiratory_rate_per_min is not None:
        parts.append(f"RR {v.respiratory_rate_per_min}")
    if v.temperature_c is not None:
        parts.append(f"T {v.temperature_c} °C")
    if v.pain_nrs is not None:
        parts.append(f"pain {v.pain_nrs}/10")
    return parts
