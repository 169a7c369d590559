"""Server-rendered SVG charts for the savings dashboard: no JavaScript, readable by screen readers.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and a ``<desc>`` that says in one
or two plain sentences what the chart shows (the first and last values, the highest), so a screen
reader user gets the point without the picture; the dashboard also prints every chart's figures as a
table. Every point or bar carries a ``<title>`` with its exact value, shown as a tooltip on hover.
Charts scale to the width of the page (``viewBox``), so they work on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 16, 44
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False
    points: bool = True
    """Draw a dot, with its value as a tooltip, at each month (not for a reference line such as an aim)."""


def percent_label(share: float, places: int = 1) -> str:
    """A share as a percentage, rounded half up (6.25% is "6.3%"; Python's own formatting rounds to even)."""
    percent = (Decimal(repr(share)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{percent}%"


def month_label(month: str) -> str:
    """``2025-03`` as ``Mar 25``."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year[2:]}"


def _open(chart_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _x(index: int, count: int) -> float:
    slot = PLOT_WIDTH / max(count, 1)
    return LEFT + slot * index + slot / 2


def _x_labels(labels: Sequence[str]) -> list[str]:
    step = max(1, -(-len(labels) // 12))  # at most 12 labels, so they never overlap
    return [
        f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="12" text-anchor="middle" '
        f'fill="{TEXT}">{escape(month_label(label))}</text>'
        for i, label in enumerate(labels)
        if i % step == 0
    ]


def _y_axis(low: float, high: float, ticks: int, label: str, formatter: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in range(ticks + 1):
        value = low + (high - low) * tick / ticks
        y = TOP + PLOT_HEIGHT - (value - low) / (high - low) * PLOT_HEIGHT
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{TEXT}">'
            f"{escape(formatter(value))}</text>"
        )
    parts.append(
        f'<text x="14" y="{TOP + PLOT_HEIGHT / 2:.1f}" font-size="12" text-anchor="middle" fill="{TEXT}" '
        f'transform="rotate(-90 14 {TOP + PLOT_HEIGHT / 2:.1f})">{escape(label)}</text>'
    )
    return parts


def _y(value: float, low: float, high: float) -> float:
    return TOP + PLOT_HEIGHT - (value - low) / (high - low) * PLOT_HEIGHT


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    months: Sequence[str],
    series: Sequence[Series],
    *,
    low: float,
    high: float,
    axis_label: str,
    tick_format: Callable[[float], str],
    value_format: Callable[[float], str],
) -> str:
    """Lines over months; a missing value (None) breaks the line."""
    parts = _open(chart_id, title, description)
    parts += _y_axis(low, high, 5, axis_label, tick_format)
    parts += _x_labels(months)
    for one in series:
        segments: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(one.values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append((_x(i, len(months)), _y(value, low, high)))
        dash = ' stroke-dasharray="6 4"' if one.dashed else ""
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{one.colour}" stroke-width="3"{dash}/>')
        for i, value in enumerate(one.values if one.points else ()):
            if value is not None:
                x, y = _x(i, len(months)), _y(value, low, high)
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{one.colour}"><title>'
                    f"{escape(one.name)}, {escape(month_label(months[i]))}: {escape(value_format(value))}"
                    "</title></circle>"
                )
    parts.append("</svg>")
    return "".join(parts)


def stacked_percentage_bars(
    chart_id: str,
    title: str,
    description: str,
    months: Sequence[str],
    series: Sequence[Series],
) -> str:
    """One bar per month, each split by the series' shares (values are fractions adding up to 1)."""
    parts = _open(chart_id, title, description)
    parts += _y_axis(0, 100, 4, "Share of contacts", lambda value: f"{value:.0f}%")
    parts += _x_labels(months)
    slot = PLOT_WIDTH / max(len(months), 1)
    bar_width = max(2.0, slot * 0.7)
    for i, month in enumerate(months):
        bottom = 0.0
        for one in series:
            value = one.values[i] or 0.0
            if value <= 0:
                continue
            top = bottom + value * 100
            y_top, y_bottom = _y(top, 0, 100), _y(bottom, 0, 100)
            parts.append(
                f'<rect x="{_x(i, len(months)) - bar_width / 2:.1f}" y="{y_top:.1f}" width="{bar_width:.1f}" '
                f'height="{max(y_bottom - y_top, 0):.1f}" fill="{one.colour}"><title>'
                f"{escape(one.name)}, {escape(month_label(month))}: {percent_label(value)}</title></rect>"
            )
            bottom = top
    parts.append("</svg>")
    return "".join(parts)


def money_range(values: Sequence[Decimal], ticks: int = 5) -> tuple[float, float]:
    """A y range that includes 0 and every value, split into ``ticks`` round steps (1, 2, 2.5 or 5 x 10^n)."""
    low = min([0.0, *(float(value) for value in values)])
    high = max([0.0, *(float(value) for value in values)])
    if high == low:
        high = low + 100
    magnitude = 10 ** math.floor(math.log10((high - low) / ticks))
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * magnitude
        bottom = step * math.floor(low / step)
        if bottom + step * ticks >= high:
            return (bottom, bottom + step * ticks)
    raise AssertionError("unreachable: 20 x magnitude always covers the range")


def pounds(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1_000_000:
        return f"{sign}£{value / 1_000_000:.1f}m"
    if value >= 10_000:
        return f"{sign}£{value / 1000:.0f}k"
    return f"{sign}£{value:,.0f}"


def legend(series: Sequence[Series]) -> str:
    """A legend in HTML beside the chart (text, not only colour). Swatches are SVG: a `style` attribute
    would need the pages' content-security policy to allow inline styles."""
    items = "".join(
        f'<li><svg class="swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
        f'<rect width="14" height="14" fill="{one.colour}"/></svg>{escape(one.name)}</li>'
        for one in series
    )
    return f'<ul class="legend">{items}</ul>'


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    months: Sequence[str],
    values: Sequence[float | None],
    colour: str,
    *,
    high: float,
    axis_label: str,
    tick_format: Callable[[float], str],
    value_format: Callable[[float], str],
) -> str:
    """One bar per month from 0 (a missing value, None, leaves its month empty: no data is not zero)."""
    parts = _open(chart_id, title, description)
    parts += _y_axis(0, high, 4, axis_label, tick_format)
    parts += _x_labels(months)
    slot = PLOT_WIDTH / max(len(months), 1)
    bar_width = max(2.0, slot * 0.6)
    for i, value in enumerate(values):
        if value is None:
            continue
        y_top, y_bottom = _y(min(value, high), 0, high), _y(0, 0, high)
        parts.append(
            f'<rect x="{_x(i, len(months)) - bar_width / 2:.1f}" y="{y_top:.1f}" width="{bar_width:.1f}" '
            f'height="{max(y_bottom - y_top, 0):.1f}" fill="{colour}"><title>'
            f"{escape(month_label(months[i]))}: {escape(value_format(value))}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
