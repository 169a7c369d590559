"""The four service measures on the staff savings dashboard: a bar chart per measure, month by month
for all services, each with its figures in a table beside it, and a table by service.

Charts are server-rendered SVG (``charts.bar_chart``): no script and no inline style, so the pages'
content-security policy needs nothing extra. Percentages are worked out from the counts, half up.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from markupsafe import Markup

from civicshare.savings.charts import bar_chart, money_range, month_label
from civicshare.savings.measures import Measures, ServiceMeasures

COST_COLOUR = "#1d70b8"
TAKE_UP_COLOUR = "#00703c"
COMPLETION_COLOUR = "#4c2c92"
SATISFACTION_COLOUR = "#f47738"
NO_DATA = "no data"


def share_label(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage to one place, rounded half up from the exact share."""
    if not whole:
        return NO_DATA
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{percent}%"


def cost_label(value: Decimal | None) -> str:
    return NO_DATA if value is None else f"£{value:,.2f}"


def _fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percent_tick(value: float) -> str:
    return f"{value * 100:.0f}%"


def _description(name: str, months: list[str], values: list[float | None], label: Callable[[float], str]) -> str:
    known = [(month, value) for month, value in zip(months, values, strict=True) if value is not None]
    if not known:
        return f"There is no {name} to show for this period yet."
    (first_month, first), (last_month, last) = known[0], known[-1]
    if len(known) == 1:
        return f"{name.capitalize()} was {label(first)} in {month_label(first_month)}."
    return (
        f"{name.capitalize()} was {label(first)} in {month_label(first_month)} "
        f"and {label(last)} in {month_label(last_month)}."
    )


def _share_chart(
    chart_id: str, title: str, name: str, months: list[str], values: list[float | None], colour: str
) -> Markup:
    def label(value: float) -> str:
        return f"{Decimal(repr(value * 100)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"

    chart = bar_chart(
        chart_id,
        title,
        _description(name, months, values, label),
        months,
        values,
        colour,
        high=1,
        axis_label=name.capitalize(),
        tick_format=_percent_tick,
        value_format=label,
    )
    return Markup(chart)  # noqa: S704 - charts.py escapes every text it writes


def measures_dashboard_parts(measures: ServiceMeasures) -> dict[str, Any]:
    """The four charts (SVG) and the measures, for ``staff/savings_measures.html``."""
    by_month: list[Measures] = list(measures.by_month)
    months = [line.month or "" for line in by_month]
    costs = [None if line.cost_per_transaction is None else float(line.cost_per_transaction) for line in by_month]
    _, high = money_range([Decimal(str(value)) for value in costs if value is not None], ticks=4)
    cost_chart = bar_chart(
        "cost-per-transaction",
        "Cost per transaction, month by month",
        _description("the cost per transaction", months, costs, lambda value: f"£{value:,.2f}"),
        months,
        costs,
        COST_COLOUR,
        high=high,
        axis_label="Cost per transaction",
        tick_format=lambda value: f"£{value:,.2f}",
        value_format=lambda value: f"£{value:,.2f}",
    )
    return {
        "measures": measures,
        "share_of": share_label,
        "cost": cost_label,
        "service_name": lambda line: line.service,
        "month_and_service": lambda line: f"{month_label(line.month)}, {line.service}",
        "cost_chart": Markup(cost_chart),  # noqa: S704 - charts.py escapes every text it writes
        "take_up_chart": _share_chart(
            "digital-take-up",
            "Digital take-up, month by month",
            "digital take-up",
            months,
            [_fraction(line.digital_transactions, line.transactions) for line in by_month],
            TAKE_UP_COLOUR,
        ),
        "completion_chart": _share_chart(
            "completion-rate",
            "Completion rate on the website, month by month",
            "the completion rate",
            months,
            [_fraction(line.requests_sent, line.journeys_started) for line in by_month],
            COMPLETION_COLOUR,
        ),
        "satisfaction_chart": _share_chart(
            "user-satisfaction",
            "User satisfaction, month by month",
            "user satisfaction",
            months,
            [_fraction(line.very_satisfied + line.satisfied, line.satisfaction_responses) for line in by_month],
            SATISFACTION_COLOUR,
        ),
    }
