"""A council's savings report for a period: volumes, digital share, cost, savings, avoided contacts.

For each day, service and channel in the period:

- actual cost = count x the unit cost in force that day for that channel and service;
- baseline cost = the service's total count that day, spread over channels by the service's baseline
  mix, each part costed at that day's unit cost. A service with no baseline claims no savings: its
  baseline cost is its actual cost.
- cost avoided = baseline cost - actual cost (non-cashable: it prices today's demand at the old mix).

The cashable saving compares volumes, not mixes: for a service whose baseline records the contacts it
was measured from (``BaselineVolume``), each staffed channel's baseline contacts per day, times each
day's unit cost, less what the staffed contacts handled cost. Only months in which the service had
staffed contacts are compared (see ``Figures``); for an online-only service, months with any contacts.
Months that start before the end of the baseline's own window are never compared.

Online-only services (``ServiceFlags.online_only``) use a baseline only if it is dated (in
``dated_baselines``): a mix the council measured before the service moved online. Any other baseline
of theirs is ignored, as residents could not have used the other channels.

Costs are summed exactly and rounded to the penny once per month x service x channel cell; every
coarser figure (a line, a month, the total) is the sum of rounded cells, so the figures add up the same
whichever way the report is grouped. Baseline volumes are rounded to whole contacts per cell likewise.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from civicshare.savings.avoided_contacts import (
    AvoidedContactAssumptions,
    AvoidedContactEstimate,
    estimate_avoided_contacts,
)
from civicshare.savings.baseline import BaselineMix, BaselineVolume
from civicshare.savings.channels import DIGITAL_CHANNELS, STAFFED_CHANNELS, Channel
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
    """The cost avoided in the month (the name predates the cashable saving)."""
    cumulative_savings: Decimal
    cashable_saving: Decimal = Decimal("0.00")
    cumulative_cashable_saving: Decimal = Decimal("0.00")


# Said in every report, beside the figures (HM Treasury Green Book: cashable and non-cashable benefits).
FIGURE_USES: dict[str, str] = {
    "cashable_saving": (
        "Money no longer spent: staffed contacts (phone, face to face, email, letter, webchat) no longer "
        "handled compared with the baseline's daily volume, priced at each day's unit costs. A cashable "
        "benefit: use it for budgets, savings targets and what a finance officer signs off."
    ),
    "cost_avoided": (
        "What this period's contacts would have cost with each service's channel mix before the platform, "
        "less what they cost. A non-cashable benefit: it counts new demand the website brings in as if it "
        "would have come by phone, so use it to show the value of the shift online at today's demand, "
        "never as money to take out of a budget, and never add it to the cashable saving."
    ),
    "demand_change": (
        "All contacts now less all contacts at the baseline's daily volume, in the same service-months: "
        "read it beside both figures. Rising demand raises the cost avoided without saving any money."
    ),
}


class SavingsReport(BaseModel):
    """One council's figures for a period: a line per group, the totals, and savings month by month.

    ``savings_by_month`` has every month the period touches, with the running total from the start.
    ``services_outside_shift_figure`` names the services with contacts in the period that are left out
    of ``channel_shift_share``, so the report can say so beside the figure.
    ``services_without_baseline_volume`` names those with contacts whose savings have no volume to be
    compared with, so claim no cashable saving; ``online_only_without_dated_baseline`` those online-only
    services whose undated baseline was ignored. ``digital_volume_with_other_ways`` counts the digital
    contacts of services residents can also use another way: the sessions an avoided contact can come from.
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
    services_without_baseline_volume: tuple[str, ...] = ()
    online_only_without_dated_baseline: tuple[str, ...] = ()
    digital_volume_with_other_ways: int = 0
    figure_uses: dict[str, str] = FIGURE_USES


_CellKey = tuple[str, str, Channel]


@dataclass
class _Cell:
    volume: int = 0
    actual_cost: Decimal = field(default_factory=Decimal)
    baseline_cost: Decimal = field(default_factory=Decimal)
    compared: bool = False
    baseline_volume: int = 0
    baseline_staffed_cost: Decimal = field(default_factory=Decimal)


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
    baseline_volumes: Mapping[str, BaselineVolume] | None = None,
    dated_baselines: Collection[str] = (),
) -> SavingsReport:
    """Build the report from rollups of transactions and imported offline contacts, merged or not.

    The avoided-contact estimate is costed at the avoided channel's council-wide unit cost in force on
    the last day of the period.
    """
    rows = [row for row in rollups if period.includes(row.day)]
    seen = {row.service for row in rows}
    unknown = sorted(seen - set(services))
    if unknown:
        raise UnknownServiceError(f"No service flags for: {', '.join(unknown)}")

    ignored = {
        service for service in baseline if services.get(service, _ANY).online_only and service not in dated_baselines
    }
    usable = {service: mix for service, mix in baseline.items() if service not in ignored}
    volumes = {service: volume for service, volume in (baseline_volumes or {}).items() if service in usable}
    costs = _UnitCosts(unit_costs)
    cells = _costed_cells(rows, costs, usable)
    online_only = {service for service, flags in services.items() if flags.online_only}
    _compare_volumes(cells, period, unit_costs, costs, volumes, online_only)
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
            sorted({service for service in seen if not services[service].in_channel_shift_figure})
        ),
        avoided_contacts=estimate,
        services_without_baseline_volume=tuple(sorted(seen - set(volumes) - ignored)),
        online_only_without_dated_baseline=tuple(sorted(ignored & seen)),
        digital_volume_with_other_ways=sum(
            item.digital_volume for (_, service, _), item in figures.items() if not services[service].online_only
        ),
    )


_ANY = ServiceFlags.model_construct(code="any", counts_toward_channel_shift=True, online_only=False)


def _stretches(period: ReportPeriod, unit_costs: UnitCostSchedule) -> dict[str, list[tuple[date, int]]]:
    """Each month's days in the period as runs of constant unit costs: (first day, number of days)."""
    changes = sorted({override.effective_from for override in unit_costs.overrides})
    by_month: dict[str, list[tuple[date, int]]] = defaultdict(list)
    first = period.start
    while first <= period.end:
        next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = min(period.end, next_month - timedelta(days=1))
        cuts = [day for day in changes if first < day <= last]
        for start, end in zip([first, *cuts], [*cuts, last + timedelta(days=1)], strict=True):
            by_month[month_of(first)].append((start, (end - start).days))
        first = next_month
    return by_month


def _first_month_after(volume: BaselineVolume) -> str:
    """The first month (``YYYY-MM``) starting on or after the end of the baseline's own window."""
    before = volume.measured_before
    if before is None:
        return ""
    if before.day != 1:
        before = date(before.year + before.month // 12, before.month % 12 + 1, 1)
    return month_of(before)


def _compare_volumes(
    cells: dict[_CellKey, _Cell],
    period: ReportPeriod,
    unit_costs: UnitCostSchedule,
    costs: _UnitCosts,
    volumes: Mapping[str, BaselineVolume],
    online_only: Collection[str],
) -> None:
    """Add the baseline's volume, and its staffed contacts' cost, to the months each service is compared in:
    those with staffed contacts, or with any contacts for an online-only service (which has no staffed ones)."""
    if not volumes:
        return
    first_months = {service: _first_month_after(volume) for service, volume in volumes.items()}
    compared = {
        (month, service)
        for (month, service, channel), cell in cells.items()
        if cell.volume
        and service in volumes
        and (channel in STAFFED_CHANNELS or service in online_only)
        and month >= first_months[service]
    }
    stretches = _stretches(period, unit_costs)
    days_in = {month: sum(length for _, length in runs) for month, runs in stretches.items()}
    for month, service in compared:
        volume = volumes[service]
        days, window = days_in[month], volume.days
        for channel in Channel:
            contacts = volume.contacts.get(channel, 0)
            key = (month, service, channel)
            if not contacts and key not in cells:
                continue
            cell = cells.setdefault(key, _Cell())
            cell.compared = True
            # contacts x days / window, rounded half up, in whole numbers.
            cell.baseline_volume = (2 * contacts * days + window) // (2 * window)
            if contacts and channel in STAFFED_CHANNELS:
                cost_days = costs.over_days(channel, service, month, stretches[month])
                # Exact to the penny: a quotient over a window of days is never within 28 digits of a
                # half penny without being one.
                cell.baseline_staffed_cost = round_to_penny(contacts * cost_days / window)


class _UnitCosts:
    """``UnitCostSchedule.cost`` looked up once per stretch of days between two unit-cost changes.

    Within a stretch every cost is constant, and a service without an override of its own for a
    channel has the council-wide cost, so (channel, service or None, stretch) decides the cost.
    """

    def __init__(self, schedule: UnitCostSchedule) -> None:
        self._schedule = schedule
        self._changes = sorted({override.effective_from for override in schedule.overrides})
        self._own = {(override.channel, override.service) for override in schedule.overrides if override.service}
        self._found: dict[tuple[Channel, str | None, int], Decimal] = {}
        self._over_days: dict[tuple[Channel, str | None, str], Decimal] = {}

    def __call__(self, channel: Channel, service: str, day: date) -> Decimal:
        key = (channel, service if (channel, service) in self._own else None, bisect_right(self._changes, day))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._schedule.cost(channel, service, day)
        return found

    def over_days(self, channel: Channel, service: str, month: str, runs: list[tuple[date, int]]) -> Decimal:
        """One contact a day on every day of the month's runs (first day, days): the sum of the costs."""
        key = (channel, service if (channel, service) in self._own else None, month)
        found = self._over_days.get(key)
        if found is None:
            found = sum((self(channel, service, start) * days for start, days in runs), Decimal(0))
            self._over_days[key] = found
        return found


def _costed_cells(
    rows: list[RollupRow], costs: _UnitCosts, baseline: Mapping[str, BaselineMix]
) -> dict[_CellKey, _Cell]:
    cells: dict[_CellKey, _Cell] = defaultdict(_Cell)
    volume_by_service_day: dict[tuple[str, date], int] = defaultdict(int)
    # Rows share days and scopes, so each month name is worked out once per day.
    months: dict[date, str] = {}
    cost = costs  # called per row and per baseline share
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
    digital = key[2] in DIGITAL_CHANNELS
    digital_volume = volume if digital else 0
    actual_cost = round_to_penny(cell.actual_cost)
    baseline_cost = round_to_penny(cell.baseline_cost)
    if not cell.compared:
        return Figures.of(
            volume,
            digital_volume,
            volume if counts_in_shift else 0,
            digital_volume if counts_in_shift else 0,
            actual_cost,
            baseline_cost,
        )
    baseline_volume = cell.baseline_volume
    return Figures.of(
        volume,
        digital_volume,
        volume if counts_in_shift else 0,
        digital_volume if counts_in_shift else 0,
        actual_cost,
        baseline_cost,
        compared_volume=volume,
        baseline_volume=baseline_volume,
        staffed_volume=0 if digital else volume,
        baseline_staffed_volume=0 if digital else baseline_volume,
        cashable_saving=Decimal("0.00") if digital else cell.baseline_staffed_cost - actual_cost,
    )


_LineKey = tuple[str | None, str | None, Channel | None]


def _lines(figures: Mapping[_CellKey, Figures], grouped_by: tuple[Grouping, ...]) -> tuple[ReportLine, ...]:
    if not grouped_by:
        return ()
    if len(grouped_by) == len(Grouping):  # a line per cell: nothing to add up
        return tuple(
            without_validation(
                ReportLine, {"month": month, "service": service, "channel": channel, "figures": cell_figures}
            )
            for (month, service, channel), cell_figures in sorted(figures.items(), key=_cell_order)
        )
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


def _cell_order(item: tuple[_CellKey, Figures]) -> tuple[str, str, int]:
    month, service, channel = item[0]
    return (month, service, _CHANNEL_ORDER[channel])


def _line_order(key: _LineKey) -> tuple[str, str, int]:
    month, service, channel = key
    return (month or "", service or "", -1 if channel is None else _CHANNEL_ORDER[channel])


def _savings_by_month(figures: Mapping[_CellKey, Figures], period: ReportPeriod) -> tuple[MonthlySavings, ...]:
    savings: dict[str, Decimal] = defaultdict(Decimal)
    cashable: dict[str, Decimal] = defaultdict(Decimal)
    for (month, _, _), cell_figures in figures.items():
        savings[month] += cell_figures.baseline_cost - cell_figures.actual_cost
        cashable[month] += cell_figures.cashable_saving
    months: list[MonthlySavings] = []
    cumulative = cumulative_cashable = Decimal("0.00")
    for month in period.months():
        month_savings = savings.get(month, Decimal("0.00"))
        month_cashable = cashable.get(month, Decimal("0.00"))
        cumulative += month_savings
        cumulative_cashable += month_cashable
        months.append(
            without_validation(
                MonthlySavings,
                {
                    "month": month,
                    "savings": month_savings,
                    "cumulative_savings": cumulative,
                    "cashable_saving": month_cashable,
                    "cumulative_cashable_saving": cumulative_cashable,
                },
            )
        )
    return tuple(months)
