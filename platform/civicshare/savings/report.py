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
The arithmetic is exact, in whole numbers (``pricing``): each cell's figures are whole contacts and
pence, added up as such, and a ``Figures`` is built only for what the report shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
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
from civicshare.savings.period import ReportPeriod, month_of
from civicshare.savings.pricing import BaselineShares, UnitPrices, money, pence, pence_of_quotient
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


class _Cell:
    """What one month x service x channel adds up to while the rows are read.

    ``actual`` is in units of the prices (``UnitPrices.places``), ``baseline`` in units of prices x
    shares; ``baseline_volume_cost`` is whole pence.
    """

    __slots__ = ("actual", "baseline", "baseline_volume", "baseline_volume_cost", "compared", "volume")

    def __init__(self) -> None:
        self.volume = 0
        self.actual = 0
        self.baseline = 0
        self.compared = False
        self.baseline_volume = 0
        self.baseline_volume_cost = 0


# A cell's or a line's figures as whole numbers (contacts, and pence for money), in Figures.of's order.
_Numbers = tuple[int, int, int, int, int, int, int, int, int, int, int, int, int]
_ACTUAL, _BASELINE, _CASHABLE = 4, 5, 10
_NO_NUMBERS: _Numbers = (0,) * 13


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
    start, end = period.start, period.end
    rows = [row for row in rollups if start <= row.day <= end]
    seen = {row.service for row in rows}
    unknown = sorted(seen - set(services))
    if unknown:
        raise UnknownServiceError(f"No service flags for: {', '.join(unknown)}")

    ignored = {
        service for service in baseline if services.get(service, _ANY).online_only and service not in dated_baselines
    }
    usable = {service: mix for service, mix in baseline.items() if service not in ignored}
    volumes = {service: volume for service, volume in (baseline_volumes or {}).items() if service in usable}
    prices = UnitPrices(unit_costs)
    shares = BaselineShares(usable)
    cells = _costed_cells(rows, prices, shares)
    online_only = {service for service, flags in services.items() if flags.online_only}
    _compare_volumes(cells, period, unit_costs, prices, volumes, online_only)
    in_shift = {service: flags.in_channel_shift_figure for service, flags in services.items()}
    places, mixed_places = prices.places, prices.places + shares.places
    numbers = {
        key: _cell_numbers(key, cell, in_shift[key[1]], key[1] in usable, places, mixed_places)
        for key, cell in cells.items()
    }
    grouped_by = tuple(grouping for grouping in Grouping if grouping in group_by)
    estimate = None
    if avoided_contacts is not None:
        unit_cost = unit_costs.cost(avoided_contacts.avoided_channel, None, period.end)
        estimate = estimate_avoided_contacts(avoided_contacts, unit_cost)
    return SavingsReport(
        council=council,
        period=period,
        grouped_by=grouped_by,
        lines=_lines(numbers, grouped_by),
        totals=_figures(_added(numbers.values())),
        savings_by_month=_savings_by_month(numbers, period),
        services_outside_shift_figure=tuple(
            sorted({service for service in seen if not services[service].in_channel_shift_figure})
        ),
        avoided_contacts=estimate,
        services_without_baseline_volume=tuple(sorted(seen - set(volumes) - ignored)),
        online_only_without_dated_baseline=tuple(sorted(ignored & seen)),
        digital_volume_with_other_ways=sum(
            item[1] for (_, service, _), item in numbers.items() if not services[service].online_only
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
    prices: UnitPrices,
    volumes: Mapping[str, BaselineVolume],
    online_only: Collection[str],
) -> None:
    """Add the baseline's volume, and its contacts' cost, to the months each service is compared in:
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
            cell = cells.get(key)
            if cell is None:
                if not contacts:
                    continue
                cell = cells[key] = _Cell()
            cell.compared = True
            # contacts x days / window, rounded half up, in whole numbers.
            cell.baseline_volume = (2 * contacts * days + window) // (2 * window)
            if contacts:
                cost_days = prices.over_days(channel, service, month, stretches[month])
                cell.baseline_volume_cost = pence_of_quotient(contacts * cost_days, window, prices.places)


def _costed_cells(rows: list[RollupRow], prices: UnitPrices, shares: BaselineShares) -> dict[_CellKey, _Cell]:
    cells: dict[_CellKey, _Cell] = {}
    volume_by_service_day: dict[tuple[str, date], int] = defaultdict(int)
    # Rows share days and scopes, so each month name is worked out once per day.
    months: dict[date, str] = {}
    for row in rows:
        day, service, channel, count = row.day, row.service, row.channel, row.count
        month = months.get(day)
        if month is None:
            month = months[day] = month_of(day)
        key = (month, service, channel)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = _Cell()
        cell.volume += count
        cell.actual += count * prices(channel, service, day)
        volume_by_service_day[(service, day)] += count

    mixes = shares.by_service
    for (service, day), volume in volume_by_service_day.items():
        mix = mixes.get(service)
        if mix is None:
            continue
        month = months[day]
        for channel, share in mix:
            key = (month, service, channel)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = _Cell()
            cell.baseline += volume * share * prices(channel, service, day)
    return cells


def _cell_numbers(
    key: _CellKey, cell: _Cell, counts_in_shift: bool, has_baseline: bool, places: int, mixed_places: int
) -> _Numbers:
    volume = cell.volume
    digital = key[2] in DIGITAL_CHANNELS
    digital_volume = volume if digital else 0
    actual = pence(cell.actual, places)
    # A service with no (usable) baseline claims no savings: its baseline cost is its actual cost.
    baseline = pence(cell.baseline, mixed_places) if has_baseline else actual
    shift, shift_digital = (volume, digital_volume) if counts_in_shift else (0, 0)
    if not cell.compared:
        return (volume, digital_volume, shift, shift_digital, actual, baseline, 0, 0, 0, 0, 0, 0, 0)
    baseline_volume, baseline_volume_cost = cell.baseline_volume, cell.baseline_volume_cost
    if digital:
        return (volume, digital_volume, shift, shift_digital, actual, baseline, volume, baseline_volume, 0, 0, 0,
                actual, baseline_volume_cost)  # fmt: skip
    return (volume, 0, shift, 0, actual, baseline, volume, baseline_volume, volume, baseline_volume,
            baseline_volume_cost - actual, actual, baseline_volume_cost)  # fmt: skip


def _added(items: Iterable[_Numbers]) -> _Numbers:
    columns = list(zip(*items, strict=True))
    return tuple(sum(column) for column in columns) if columns else _NO_NUMBERS


def _figures(numbers: _Numbers) -> Figures:
    (volume, digital, shift, shift_digital, actual, baseline, compared, baseline_volume, staffed,
     baseline_staffed, cashable, compared_cost, baseline_volume_cost) = numbers  # fmt: skip
    return Figures.of(
        volume,
        digital,
        shift,
        shift_digital,
        money(actual),
        money(baseline),
        compared,
        baseline_volume,
        staffed,
        baseline_staffed,
        money(cashable),
        money(compared_cost),
        money(baseline_volume_cost),
    )


_LineKey = tuple[str | None, str | None, Channel | None]


def _lines(numbers: Mapping[_CellKey, _Numbers], grouped_by: tuple[Grouping, ...]) -> tuple[ReportLine, ...]:
    if not grouped_by:
        return ()
    if len(grouped_by) == len(Grouping):  # a line per cell: nothing to add up
        return tuple(
            without_validation(
                ReportLine, {"month": month, "service": service, "channel": channel, "figures": _figures(cell)}
            )
            for (month, service, channel), cell in sorted(numbers.items(), key=_cell_order)
        )
    by_month, by_service, by_channel = (grouping in grouped_by for grouping in Grouping)
    grouped: dict[_LineKey, list[_Numbers]] = defaultdict(list)
    for (month, service, channel), cell in numbers.items():
        grouped[(month if by_month else None, service if by_service else None, channel if by_channel else None)].append(
            cell
        )
    ordered = sorted(grouped.items(), key=lambda item: _line_order(item[0]))
    return tuple(
        without_validation(
            ReportLine,
            {"month": month, "service": service, "channel": channel, "figures": _figures(_added(items))},
        )
        for (month, service, channel), items in ordered
    )


def regrouped(report: SavingsReport, group_by: Collection[Grouping]) -> SavingsReport:
    """The same report grouped by fewer of its groupings, each line the sum of the finer lines.

    Lines are sums of rounded cells, so adding up finer lines gives exactly the lines the engine would
    have built grouped so: one report by month, service and channel serves every coarser grouping.
    """
    grouped_by = tuple(grouping for grouping in Grouping if grouping in group_by)
    if grouped_by == report.grouped_by:
        return report
    if not set(grouped_by) <= set(report.grouped_by):
        raise ValueError(f"A report grouped by {report.grouped_by} cannot be grouped by {grouped_by}")
    by_month, by_service, by_channel = (grouping in grouped_by for grouping in Grouping)
    grouped: dict[_LineKey, list[Figures]] = defaultdict(list)
    if grouped_by:
        for line in report.lines:
            key = (
                line.month if by_month else None,
                line.service if by_service else None,
                line.channel if by_channel else None,
            )
            grouped[key].append(line.figures)
    lines = tuple(
        without_validation(
            ReportLine, {"month": month, "service": service, "channel": channel, "figures": total_figures(items)}
        )
        for (month, service, channel), items in sorted(grouped.items(), key=lambda item: _line_order(item[0]))
    )
    return report.model_copy(update={"grouped_by": grouped_by, "lines": lines})


_CHANNEL_ORDER = {channel: position for position, channel in enumerate(Channel)}


def _cell_order(item: tuple[_CellKey, _Numbers]) -> tuple[str, str, int]:
    month, service, channel = item[0]
    return (month, service, _CHANNEL_ORDER[channel])


def _line_order(key: _LineKey) -> tuple[str, str, int]:
    month, service, channel = key
    return (month or "", service or "", -1 if channel is None else _CHANNEL_ORDER[channel])


def _savings_by_month(numbers: Mapping[_CellKey, _Numbers], period: ReportPeriod) -> tuple[MonthlySavings, ...]:
    savings: dict[str, int] = defaultdict(int)
    cashable: dict[str, int] = defaultdict(int)
    for (month, _, _), cell in numbers.items():
        savings[month] += cell[_BASELINE] - cell[_ACTUAL]
        cashable[month] += cell[_CASHABLE]
    months: list[MonthlySavings] = []
    cumulative = cumulative_cashable = 0
    for month in period.months():
        month_savings = savings.get(month, 0)
        month_cashable = cashable.get(month, 0)
        cumulative += month_savings
        cumulative_cashable += month_cashable
        months.append(
            without_validation(
                MonthlySavings,
                {
                    "month": month,
                    "savings": money(month_savings),
                    "cumulative_savings": money(cumulative),
                    "cashable_saving": money(month_cashable),
                    "cumulative_cashable_saving": money(cumulative_cashable),
                },
            )
        )
    return tuple(months)
