"""A council's savings report for a period: volumes, digital share, cost, savings, avoided contacts.

For each day, service and channel in the period:

- actual cost = count x the unit cost in force that day for that channel and service;
- baseline cost = the service's total count that day, spread over channels by the service's baseline
  mix, each part costed at that day's unit cost. A service with no baseline claims no savings: its
  baseline cost is its actual cost.
- savings = baseline cost - actual cost.

Costs are summed exactly and rounded to the penny once per month x service x channel cell; every
coarser figure (a line, a month, the total) is the sum of rounded cells, so the figures add up the same
whichever way the report is grouped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from civicshare.savings.avoided_contacts import (
    AvoidedContactAssumptions,
    AvoidedContactEstimate,
    estimate_avoided_contacts,
)
from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import DIGITAL_CHANNELS, Channel
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.figures import Figures, total_figures, without_validation
from civicshare.savings.money import round_to_penny
from civicshare.savings.period import ReportPeriod, month_of
from civicshare.savings.rollups import RollupRow
from civicshare.savings.services import ServiceFlags, UnknownServiceError


class Grouping(StrEnum):
    MONTH = "month"
    SERVICE = "service"
    CHANNEL = "channel"


class ReportLine(BaseModel):
    """Figures for one group; dimensions the report is not grouped by are None."""

    model_config = ConfigDict(frozen=True)

    month: str | None = None
    service: str | None = None
    channel: Channel | None = None
    figures: Figures


class MonthlySavings(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str
    savings: Decimal
    cumulative_savings: Decimal


class SavingsReport(BaseModel):
    """One council's figures for a period: a line per group, the totals, and savings month by month.

    ``savings_by_month`` has every month the period touches, with the running total from the start.
    ``services_outside_shift_figure`` names the services with contacts in the period that are left out
    of ``channel_shift_share``, so the report can say so beside the figure.
    """

    model_config = ConfigDict(frozen=True)

    council: str
    period: ReportPeriod
    grouped_by: tuple[Grouping, ...]
    lines: tuple[ReportLine, ...]
    totals: Figures
    savings_by_month: tuple[MonthlySavings, ...]
    services_outside_shift_figure: tuple[str, ...]
    avoided_contacts: AvoidedContactEstimate | None = None


_CellKey = tuple[str, str, Channel]


@dataclass
class _Cell:
    volume: int = 0
    actual_cost: Decimal = field(default_factory=Decimal)
    baseline_cost: Decimal = field(default_factory=Decimal)


def build_savings_report(
    *,
    council: str,
    period: ReportPeriod,
    rollups: Iterable[RollupRow],
    services: Mapping[str, ServiceFlags],
    unit_costs: UnitCostSchedule,
    baseline: Mapping[str, BaselineMix],
    group_by: Collection[Grouping] = (Grouping.MONTH,),
    avoided_contacts: AvoidedContactAssumptions | None = None,
) -> SavingsReport:
    """Build the report from rollups of transactions and imported offline contacts, merged or not.

    The avoided-contact estimate is costed at the avoided channel's council-wide unit cost in force on
    the last day of the period.
    """
    rows = [row for row in rollups if period.includes(row.day)]
    unknown = sorted({row.service for row in rows} - set(services))
    if unknown:
        raise UnknownServiceError(f"No service flags for: {', '.join(unknown)}")

    cells = _costed_cells(rows, unit_costs, baseline)
    in_shift = {service: flags.in_channel_shift_figure for service, flags in services.items()}
    figures = {key: _cell_figures(key, cell, in_shift[key[1]]) for key, cell in cells.items()}
    grouped_by = tuple(grouping for grouping in Grouping if grouping in group_by)
    estimate = None
    if avoided_contacts is not None:
        unit_cost = unit_costs.cost(avoided_contacts.avoided_channel, None, period.end)
        estimate = estimate_avoided_contacts(avoided_contacts, unit_cost)
    return SavingsReport(
        council=council,
        period=period,
        grouped_by=grouped_by,
        lines=_lines(figures, grouped_by),
        totals=total_figures(figures.values()),
        savings_by_month=_savings_by_month(figures, period),
        services_outside_shift_figure=tuple(
            sorted({row.service for row in rows if not services[row.service].in_channel_shift_figure})
        ),
        avoided_contacts=estimate,
    )


def _costed_cells(
    rows: list[RollupRow], unit_costs: UnitCostSchedule, baseline: Mapping[str, BaselineMix]
) -> dict[_CellKey, _Cell]:
    cells: dict[_CellKey, _Cell] = defaultdict(_Cell)
    volume_by_service_day: dict[tuple[str, date], int] = defaultdict(int)
    # Rows share days and scopes, so each month name and unit cost is looked up once per call.
    months: dict[date, str] = {}
    costs: dict[tuple[Channel, str, date], Decimal] = {}

    def cost(channel: Channel, service: str, day: date) -> Decimal:
        key = (channel, service, day)
        unit_cost = costs.get(key)
        if unit_cost is None:
            unit_cost = costs[key] = unit_costs.cost(channel, service, day)
        return unit_cost

    for row in rows:
        day, service, channel, count = row.day, row.service, row.channel, row.count
        month = months.get(day)
        if month is None:
            month = months[day] = month_of(day)
        cell = cells[(month, service, channel)]
        cell.volume += count
        cell.actual_cost += count * cost(channel, service, day)
        volume_by_service_day[(service, day)] += count

    for (service, day), volume in volume_by_service_day.items():
        mix = baseline.get(service)
        if mix is None:
            continue
        month = months[day]
        for channel, share in mix.shares.items():
            if share:
                cells[(month, service, channel)].baseline_cost += volume * share * cost(channel, service, day)

    for (_, service, _), cell in cells.items():
        if service not in baseline:
            cell.baseline_cost = cell.actual_cost
    return dict(cells)


def _cell_figures(key: _CellKey, cell: _Cell, counts_in_shift: bool) -> Figures:
    volume = cell.volume
    digital_volume = volume if key[2] in DIGITAL_CHANNELS else 0
    return Figures.of(
        volume,
        digital_volume,
        volume if counts_in_shift else 0,
        digital_volume if counts_in_shift else 0,
        round_to_penny(cell.actual_cost),
        round_to_penny(cell.baseline_cost),
    )


_LineKey = tuple[str | None, str | None, Channel | None]


def _lines(figures: Mapping[_CellKey, Figures], grouped_by: tuple[Grouping, ...]) -> tuple[ReportLine, ...]:
    if not grouped_by:
        return ()
    grouped: dict[_LineKey, list[Figures]] = defaultdict(list)
    for (month, service, channel), cell_figures in figures.items():
        key = (
            month if Grouping.MONTH in grouped_by else None,
            service if Grouping.SERVICE in grouped_by else None,
            channel if Grouping.CHANNEL in grouped_by else None,
        )
        grouped[key].append(cell_figures)
    ordered = sorted(grouped.items(), key=lambda item: _line_order(item[0]))
    return tuple(
        without_validation(
            ReportLine,
            {
                "month": month,
                "service": service,
                "channel": channel,
                "figures": items[0] if len(items) == 1 else total_figures(items),
            },
        )
        for (month, service, channel), items in ordered
    )


_CHANNEL_ORDER = {channel: position for position, channel in enumerate(Channel)}


def _line_order(key: _LineKey) -> tuple[str, str, int]:
    month, service, channel = key
    return (month or "", service or "", -1 if channel is None else _CHANNEL_ORDER[channel])


def _savings_by_month(figures: Mapping[_CellKey, Figures], period: ReportPeriod) -> tuple[MonthlySavings, ...]:
    savings: dict[str, Decimal] = defaultdict(Decimal)
    for (month, _, _), cell_figures in figures.items():
        savings[month] += cell_figures.savings
    months: list[MonthlySavings] = []
    cumulative = Decimal("0.00")
    for month in period.months():
        month_savings = savings.get(month, Decimal("0.00"))
        cumulative += month_savings
        months.append(MonthlySavings(month=month, savings=month_savings, cumulative_savings=cumulative))
    return tuple(months)
