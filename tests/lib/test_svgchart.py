"""The concentration-curve chart: readable on a phone, no label on a grid line, one colour per
band and a legend naming each band with its colour."""

from __future__ import annotations

import math
import re

from django.template.loader import render_to_string

from ketacare.lib.svgchart import (
    ASCENT,
    DESCENT,
    FONT,
    line_chart,
    text_box,
    text_width,
)

BANDS = [
    ("analgesia", 70.0, 160.0),
    ("dissociation", 100.0, 250.0),
    ("anaesthesia", 1200.0, 2400.0),
]
T = list(range(221))
C = [300 * math.exp(-t / 60) * (1 - math.exp(-t / 5)) for t in T]


def chart():  # type: ignore[no-untyped-def]
    return line_chart(
        T,
        C,
        x_label="Time from the start of the dose (min)",
        y_label="Plasma concentration (ng/mL)",
        bands=BANDS,
    )


def test_text_is_at_least_11_px_tall_when_the_chart_is_358_px_wide() -> None:
    c = chart()
    assert (c.width, c.height, c.font_size) == (480, 300, 15)
    assert c.min_text_px_on_phone == 15 * 358 / 480 == 11.1875


def test_the_axes_and_ticks_are_where_the_numbers_say() -> None:
    c = chart()
    assert (c.plot_left, c.plot_right, c.plot_top, c.plot_bottom) == (70, 468, 12, 244)
    assert c.points.split(" ")[0] == "70.0,244.0"
    assert c.points.split(" ")[-1].split(",")[0] == "468.0"
    assert [(t.label, t.position) for t in c.y_ticks] == [
        ("0", 244.0),
        ("50", 197.6),
        ("100", 151.2),
        ("150", 104.8),
        ("200", 58.4),
        ("250", 12.0),
    ]
    # Five ticks at most across 480 units: each label has room.
    assert [(t.label, t.position) for t in c.x_ticks] == [
        ("0", 70.0),
        ("50", 160.5),
        ("100", 250.9),
        ("150", 341.4),
        ("200", 431.8),
    ]


def test_tick_labels_sit_beside_their_lines_not_on_them() -> None:
    c = chart()
    for tick in c.y_ticks:
        # Right-aligned 8 units left of where the grid line starts.
        assert tick.label_x == c.plot_left - 8
        assert tick.label_x + 0 < c.plot_left
    for tick in c.x_ticks:
        top, _ = text_box(tick.label_y)
        assert top > c.plot_bottom + 5  # below the tick mark's end
        assert tick.label_x + text_width(tick.label) / 2 <= c.width


def test_a_tick_label_at_the_right_edge_is_moved_in_rather_than_cut_off() -> None:
    c = line_chart([0, 100, 200], [0, 5, 1], x_label="t", y_label="c")
    last = c.x_ticks[-1]
    assert (last.label, last.position) == ("200", 468.0)
    assert last.label_x == round(480 - 2 - text_width("200") / 2, 1) == 464.5


def test_band_names_are_drawn_where_no_grid_line_crosses_them() -> None:
    c = chart()
    # The anaesthesia band (1200-2400 ng/mL) is far above this curve: not drawn at all.
    assert [b.name for b in c.bands] == ["analgesia", "dissociation"]
    assert [(b.label, b.y_top, b.height, b.label_y) for b in c.bands] == [
        ("Analgesia", 95.5, 83.5, 119.8),
        ("Dissociation", 12.0, 139.2, 27.0),
    ]
    grid = [t.position for t in c.y_ticks]
    boxes = []
    for band in c.bands:
        assert band.label_y is not None
        top, bottom = text_box(band.label_y)
        assert (round(top, 2), round(bottom, 2)) == (
            round(band.label_y - ASCENT * FONT, 2),
            round(band.label_y + DESCENT * FONT, 2),
        )
        assert not any(top <= y <= bottom for y in grid), band.name
        assert band.y_top <= top and bottom <= band.y_top + band.height
        boxes.append((top, bottom))
    # The two names do not overlap each other either.
    (a_top, a_bottom), (d_top, d_bottom) = boxes
    assert a_bottom < d_top or d_bottom < a_top


def test_a_band_too_thin_for_its_name_between_grid_lines_goes_unlabelled() -> None:
    # 95-105 ng/mL on a 0-250 axis is 9 units tall: less than a 15-unit line of text.
    c = line_chart(T, C, x_label="t", y_label="c", bands=[("narrow", 95.0, 105.0)])
    (band,) = c.bands
    assert (band.height, band.label_y, band.labelled) == (9.3, None, False)


def test_each_band_has_its_own_colour() -> None:
    c = line_chart(
        T, C, x_label="t", y_label="c", bands=[*BANDS[:2], ("low", 0.0, 50.0), ("mid", 170, 200)]
    )
    colours = [b.colour for b in c.bands]
    assert colours == ["#2e8b57", "#d98e04", "#7b61a8", "#1f77b4"]
    assert len(set(colours)) == len(colours)


def test_the_rendered_chart_has_a_legend_naming_each_band_with_its_colour() -> None:
    html = render_to_string(
        "web/line_chart.svg.html", {"chart": chart(), "chart_id": "pk", "title": "Predicted"}
    )
    assert html.startswith('<figure class="chart-frame">')
    assert '<figcaption id="pk-caption">Predicted</figcaption>' in html
    assert 'font-size="15"' in html
    rects = re.findall(r'<rect class="band band-(\w+)" fill="(#[0-9a-f]{6})"', html)
    assert rects == [("analgesia", "#2e8b57"), ("dissociation", "#d98e04")]
    legend = html[html.index('<ul class="legend"') :]
    items = re.findall(
        r'<rect width="16" height="12" fill="(#[0-9a-f]{6})"/></svg>([^<]+)</li>', legend
    )
    assert items == [
        ("#2e8b57", "Analgesia 70–160 ng/mL"),
        ("#d98e04", "Dissociation 100–250 ng/mL"),
    ]
    assert "Plasma concentration (ng/mL)</li>" in legend
    # Band names drawn on the chart, at the placed coordinates.
    assert re.findall(
        r'<text class="band-label" x="(\d+)" y="([\d.]+)"[^>]*>(\w+)</text>', html
    ) == [
        ("462", "119.8", "Analgesia"),
        ("462", "27.0", "Dissociation"),
    ]
