"""The savings dashboard: a council's figures as a page a councillor understands at a glance.

Three charts (how much is done online, month by month; how contacts split across channels; savings
added up since the start of the period), each followed by its figures as a table, and a few plain
sentences at the top. The page needs no JavaScript. The operators' page shows every council side by side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from civicshare.edge.headers import csp_nonce
from civicshare.savings.channels import Channel
from civicshare.savings.charts import (
    Series,
    legend,
    line_chart,
    money_range,
    month_label,
    percent_label,
    pounds,
    stacked_percentage_bars,
)
from civicshare.savings.figures import Figures, total_figures
from civicshare.savings.operators import PlatformOverview
from civicshare.savings.reporting import CouncilSavings
from civicshare.savings.service import UK_TIME

CHANNEL_NAMES = {
    Channel.WEB: "Website",
    Channel.APP: "App",
    Channel.WEBCHAT: "Webchat",
    Channel.EMAIL: "Email",
    Channel.LETTER: "Letter",
    Channel.PHONE: "Phone",
    Channel.FACE_TO_FACE: "Face to face",
}
# Online channels first so the self-service part of each bar sits at the bottom, where it is easy to read.
CHANNEL_COLOURS = {
    Channel.WEB: "#00703c",
    Channel.APP: "#85994b",
    Channel.WEBCHAT: "#28a197",
    Channel.EMAIL: "#f47738",
    Channel.LETTER: "#b58840",
    Channel.PHONE: "#1d70b8",
    Channel.FACE_TO_FACE: "#4c2c92",
}
SHIFT_COLOUR = "#1d70b8"
ALL_SERVICES_COLOUR = "#505a5f"
SAVINGS_COLOUR = "#00703c"
AIM_COLOUR = "#d4351c"
DIGITAL_BY_DEFAULT_AIM = 0.8

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals["csp_nonce"] = csp_nonce


@dataclass(frozen=True)
class MonthRow:
    month: str
    figures: Figures
    by_channel: dict[Channel, int]
    savings: Decimal
    cumulative_savings: Decimal
    cashable_saving: Decimal = Decimal("0.00")
    cumulative_cashable_saving: Decimal = Decimal("0.00")


def _percent(value: float | None) -> str:
    return "no contacts" if value is None else percent_label(value, places=0)


def _fraction(part: int, whole: int) -> float | None:
    """The exact share for the charts (rounded only when shown, half up: never from a rounded share)."""
    return part / whole if whole else None


def _exact_percent(part: int, whole: int) -> str:
    if not whole:
        return "no contacts"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{percent}%"


def _trend(name: str, months: Sequence[str], values: Sequence[float | None]) -> str:
    known = [(month, value) for month, value in zip(months, values, strict=True) if value is not None]
    if not known:
        return f"There were no contacts to work out {name} from in this period."
    (first_month, first), (last_month, last) = known[0], known[-1]
    if len(known) == 1:
        return f"{name.capitalize()} was {_percent(first)} in {month_label(first_month)}."
    direction = "rose" if last > first else "fell" if last < first else "stayed"
    return (
        f"{name.capitalize()} {direction} from {_percent(first)} in {month_label(first_month)} "
        f"to {_percent(last)} in {month_label(last_month)}."
    )


def month_rows(savings: CouncilSavings) -> list[MonthRow]:
    """Per month, from a report grouped by month and channel."""
    report = savings.report
    lines_of: dict[str, list[Figures]] = defaultdict(list)
    by_channel: dict[str, dict[Channel, int]] = defaultdict(dict)
    for line in report.lines:
        month = line.month or ""
        lines_of[month].append(line.figures)
        if line.channel is not None:
            by_channel[month][line.channel] = by_channel[month].get(line.channel, 0) + line.figures.volume
    # Each month added up once (one model per month, not one per line added).
    figures = {month: total_figures(items) for month, items in lines_of.items()}
    return [
        MonthRow(
            month=item.month,
            figures=figures.get(item.month, Figures()),
            by_channel=by_channel.get(item.month, {}),
            savings=item.savings,
            cumulative_savings=item.cumulative_savings,
            cashable_saving=item.cashable_saving,
            cumulative_cashable_saving=item.cumulative_cashable_saving,
        )
        for item in report.savings_by_month
    ]


def council_dashboard_parts(savings: CouncilSavings) -> dict[str, Any]:
    """What the council's savings dashboard shows: the month rows, the three charts (SVG, escaped by
    charts.py) with their legends, and the report itself; the back office lays them out."""
    rows = month_rows(savings)
    months = [row.month for row in rows]
    shift = [_fraction(row.figures.shift_digital_volume, row.figures.shift_volume) for row in rows]
    every = [_fraction(row.figures.digital_volume, row.figures.volume) for row in rows]
    share_series = [
        Series("Channel-shift figure (services that can be done another way)", shift, SHIFT_COLOUR),
        Series("All services, including online-only ones", every, ALL_SERVICES_COLOUR, dashed=True),
        Series(
            "Digital by default aim (80%)",
            [DIGITAL_BY_DEFAULT_AIM] * len(months),
            AIM_COLOUR,
            dashed=True,
            points=False,
        ),
    ]
    share_chart = line_chart(
        "online-share",
        "Share of contacts made online, month by month",
        _trend("the share of contacts made online (channel-shift figure)", months, shift)
        + " The grey dashed line includes services that can only be done online.",
        months,
        share_series,
        low=0,
        high=1,
        axis_label="Done online",
        tick_format=lambda value: f"{value * 100:.0f}%",
        value_format=percent_label,
    )
    channel_series = [
        Series(
            CHANNEL_NAMES[channel],
            [(row.by_channel.get(channel, 0) / row.figures.volume) if row.figures.volume else None for row in rows],
            CHANNEL_COLOURS[channel],
        )
        for channel in CHANNEL_COLOURS
    ]
    mix_chart = stacked_percentage_bars(
        "channel-mix",
        "How residents contacted the council, month by month",
        "Each bar is one month's contacts, split by channel: website and app at the bottom, then webchat, "
        "email, letter, phone and face to face. " + _trend("the website and app share", months, every),
        months,
        channel_series,
    )
    cumulative = [row.cumulative_savings for row in rows]
    low, high = money_range(cumulative)
    total = cumulative[-1] if cumulative else Decimal(0)
    savings_chart = line_chart(
        "cumulative-savings",
        "Cost avoided, added up month by month",
        f"Cost avoided compared with the channel mix before the platform (non-cashable), added up from "
        f"{month_label(months[0]) if months else 'the start'}: {pounds(float(total))} by "
        f"{month_label(months[-1]) if months else 'the end'}.",
        months,
        [Series("Cost avoided so far", [float(value) for value in cumulative], SAVINGS_COLOUR)],
        low=low,
        high=high,
        axis_label="Saved so far",
        tick_format=pounds,
        value_format=lambda value: f"£{value:,.2f}",
    )
    return {
        "savings": savings,
        "report": savings.report,
        "rows": rows,
        "channels": list(CHANNEL_COLOURS),
        "share_chart": Markup(share_chart),  # noqa: S704 - built by charts.py, which escapes every text
        "share_legend": Markup(legend(share_series)),  # noqa: S704
        "mix_chart": Markup(mix_chart),  # noqa: S704
        "mix_legend": Markup(legend(channel_series)),  # noqa: S704
        "savings_chart": Markup(savings_chart),  # noqa: S704
    }


DASHBOARD_FILTERS: dict[str, Any] = {
    "pounds": lambda value: f"£{Decimal(value):,.2f}",
    "percent": lambda value: "no contacts" if value is None else f"{Decimal(value) * 100:.1f}%",
    # Shares shown from the counts themselves, half up (2 of 32 is 6.3%), never from a rounded share.
    "shift_percent": lambda figures: _exact_percent(figures.shift_digital_volume, figures.shift_volume),
    "digital_percent": lambda figures: _exact_percent(figures.digital_volume, figures.volume),
    "whole": lambda value: f"{int(value):,}",
    "month": month_label,
    "channel": lambda channel: CHANNEL_NAMES[Channel(channel)],
    "clock": lambda moment: _clock(moment.astimezone(UK_TIME)),
}


def _clock(local: datetime) -> str:
    """GOV.UK style: 9:05am, 12:30pm."""
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


_templates.filters.update(DASHBOARD_FILTERS)


def operator_dashboard(overview: PlatformOverview, names: dict[str, str]) -> str:
    return _templates.get_template("operator_dashboard.html").render(overview=overview, names=names)
