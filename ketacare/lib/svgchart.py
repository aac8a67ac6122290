"""A line chart as plain numbers for an inline SVG template: scaled points, axis ticks and
shaded bands. Server-rendered, no JavaScript, readable without colour (each band is named on
the chart where it has room, and in the legend beside it).

Sized for a phone: the SVG scales down with its box, so the viewBox is narrow (480 units) and
the text large (15 units): drawn 358 px wide (a 390 px phone less the page's padding) a label is
15 x 358 / 480 = 11.2 px tall. Tick labels sit beside their lines, never on them, and a band's
name is drawn only in a gap of its band that no grid line or other name crosses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 12, 56
FONT = 15
# The box of a line of text around its baseline, in font sizes (system sans-serif fonts).
ASCENT, DESCENT = 0.8, 0.25
TICK_GAP = 8  # between a tick label and the end of its line
LABEL_PAD = 3  # free space above and below a band's name
PHONE_WIDTH_PX = 358

# One colour per band: the usual ketamine bands keep theirs on every chart.
BAND_COLOURS = {"analgesia": "#2e8b57", "dissociation": "#d98e04", "anaesthesia": "#c0392b"}
OTHER_COLOURS = ("#7b61a8", "#1f77b4", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    # Where its label is drawn (x, y of the text anchor), beside the line.
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass(frozen=True)
class ShadedBand:
    name: str
    y_top: float
    height: float
    label_y: float | None
    label: str = ""
    colour: str = ""
    low: float = 0.0
    high: float = 0.0
    label_x: float = 0.0

    @property
    def labelled(self) -> bool:
        return self.label_y is not None


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
    font_size: int = FONT
    plot_height: int = 0
    x_label_y: float = 0.0
    y_label_x: float = 0.0
    y_label_y: float = 0.0
    series_label: str = ""
    band_unit: str = ""
    x_max: float = 1.0
    y_max: float = 1.0

    def scaled(self, xs: Sequence[float], ys: Sequence[float]) -> str:
        """The points of a second series drawn on this chart's axes."""
        plot_h = self.plot_bottom - self.plot_top
        return " ".join(
            f"{self.plot_left + self.plot_width * x / self.x_max:.1f},"
            f"{self.plot_top + plot_h * (1 - min(y, self.y_max) / self.y_max):.1f}"
            for x, y in zip(xs, ys, strict=True)
        )

    @property
    def min_text_px_on_phone(self) -> float:
        """How tall the chart's text is when the SVG is drawn 358 px wide."""
        return self.font_size * PHONE_WIDTH_PX / self.width


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


def _ticks(limit: float, target: int = 6) -> list[float]:
    step = nice_step(limit, target)
    count = int(math.floor(limit / step + 1e-9))
    return [k * step for k in range(count + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


def band_label(name: str) -> str:
    """``"anaesthesia"`` → ``"Anaesthesia"``: a band's name as people read it."""
    return name.replace("_", " ").capitalize()


def text_width(text: str, font: float = FONT) -> float:
    """A generous estimate of a label's width (sans-serif digits and letters: 0.6 em)."""
    return 0.6 * font * len(text)


def text_box(baseline: float, font: float = FONT) -> tuple[float, float]:
    """The top and bottom (SVG y) of a line of text with this baseline."""
    return baseline - ASCENT * font, baseline + DESCENT * font


def _place_label(
    top: float, bottom: float, obstacles: Sequence[float], taken: Sequence[tuple[float, float]]
) -> float | None:
    """A baseline for a name inside ``[top, bottom]`` whose text box, padded, crosses no
    grid line and no name already placed: the highest such gap, or None if none fits."""
    needed = (ASCENT + DESCENT) * FONT + 2 * LABEL_PAD
    edges = sorted({top, bottom, *(y for y in obstacles if top < y < bottom)})
    blocked = sorted(
        [(max(a, top), min(b, bottom)) for a, b in taken if a < bottom and b > top]
        + [(y, y) for y in edges]
    )
    free_from = top
    for start, end in blocked:
        if start - free_from >= needed:
            return round(free_from + LABEL_PAD + ASCENT * FONT, 1)
        free_from = max(free_from, end)
    if bottom - free_from >= needed:
        return round(free_from + LABEL_PAD + ASCENT * FONT, 1)
    return None


def line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    bands: Sequence[tuple[str, float, float]] = (),
    series_label: str = "",
    band_unit: str = "ng/mL",
    x_ticks: int = 5,
    y_ticks: int = 5,
    also: Sequence[float] = (),
) -> LineChart:
    """Scale ``xs``/``ys`` into the plot area; the y axis starts at 0 and shows every band
    (and reaches the values ``also`` of a second series drawn with ``LineChart.scaled``)."""
    x_max = max(xs) if xs else 1.0
    x_max = x_max if x_max > 0 else 1.0
    y_top = max([*ys, *also, 1.0])
    visible_bands = [b for b in bands if b[1] < y_top * 1.5]
    if visible_bands:
        y_top = max(y_top, *(b[2] for b in visible_bands))
    y_max = nice_step(y_top, y_ticks) * math.ceil(y_top / nice_step(y_top, y_ticks))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    plot_bottom = HEIGHT - BOTTOM

    def sx(x: float) -> float:
        return LEFT + plot_w * x / x_max

    def sy(y: float) -> float:
        return TOP + plot_h * (1 - min(y, y_max) / y_max)

    y_tick_list = [
        Tick(round(sy(t), 1), _label(t), LEFT - TICK_GAP, round(sy(t) + 0.3 * FONT, 1))
        for t in _ticks(y_max, y_ticks)
    ]
    x_tick_list = [
        Tick(
            round(sx(t), 1),
            _label(t),
            # A label at the right edge is moved in so that it is not cut off.
            round(min(sx(t), WIDTH - 2 - text_width(_label(t)) / 2), 1),
            plot_bottom + 6 + ASCENT * FONT + 2,
        )
        for t in _ticks(x_max, x_ticks)
    ]
    grid_ys = [t.position for t in y_tick_list]

    shaded: list[ShadedBand] = []
    taken: list[tuple[float, float]] = []
    others = iter(OTHER_COLOURS * 4)
    for name, low, high in visible_bands:
        top, bottom = sy(min(high, y_max)), sy(low)
        baseline = _place_label(top, bottom, grid_ys, taken)
        if baseline is not None:
            box_top, box_bottom = text_box(baseline)
            taken.append((box_top - LABEL_PAD, box_bottom + LABEL_PAD))
        shaded.append(
            ShadedBand(
                name=name,
                y_top=round(top, 1),
                height=round(bottom - top, 1),
                label_y=baseline,
                label=band_label(name),
                colour=BAND_COLOURS.get(name) or next(others),
                low=low,
                high=high,
                label_x=WIDTH - RIGHT - 6,
            )
        )
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=plot_bottom,
        plot_width=plot_w,
        points=" ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys, strict=True)),
        x_ticks=x_tick_list,
        y_ticks=y_tick_list,
        bands=shaded,
        x_label=x_label,
        y_label=y_label,
        font_size=FONT,
        plot_height=plot_h,
        x_label_y=HEIGHT - 8,
        y_label_x=round(0.85 * FONT, 1),
        y_label_y=round(TOP + plot_h / 2, 1),
        series_label=series_label or y_label,
        band_unit=band_unit,
        x_max=x_max,
        y_max=y_max,
    )
