"""A line chart as plain numbers for an inline SVG template: scaled points, axis ticks and
shaded bands. Server-rendered, no JavaScript, readable without colour (labels on bands)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ShadedBand:
    name: str
    y_top: float
    height: float
    label_y: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    plot_width: int
    points: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    bands: list[ShadedBand]
    x_label: str
    y_label: str


def nice_step(span: float, target_ticks: int = 6) -> float:
    """A 1, 2 or 5 times power-of-ten step giving about ``target_ticks`` ticks."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10.0 * magnitude


def _ticks(limit: float) -> list[float]:
    step = nice_step(limit)
    count = int(math.floor(limit / step + 1e-9))
    return [k * step for k in range(count + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


def line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    bands: Sequence[tuple[str, float, float]] = (),
) -> LineChart:
    """Scale ``xs``/``ys`` into the plot area; the y axis starts at 0 and shows every band."""
    x_max = max(xs) if xs else 1.0
    y_top = max([*ys, 1.0])
    visible_bands = [b for b in bands if b[1] < y_top * 1.5]
    if visible_bands:
        y_top = max(y_top, *(b[2] for b in visible_bands))
    y_max = nice_step(y_top) * math.ceil(y_top / nice_step(y_top))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + plot_w * x / x_max

    def sy(y: float) -> float:
        return TOP + plot_h * (1 - min(y, y_max) / y_max)

    shaded = []
    for name, low, high in visible_bands:
        top, bottom = sy(min(high, y_max)), sy(low)
        shaded.append(ShadedBand(name, round(top, 1), round(bottom - top, 1), round(top + 14, 1)))
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        plot_width=plot_w,
        points=" ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys, strict=True)),
        x_ticks=[Tick(round(sx(t), 1), _label(t)) for t in _ticks(x_max)],
        y_ticks=[Tick(round(sy(t), 1), _label(t)) for t in _ticks(y_max)],
        bands=shaded,
        x_label=x_label,
        y_label=y_label,
    )
