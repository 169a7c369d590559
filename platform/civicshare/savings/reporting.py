"""Savings reports from the database: load a council's inputs, let the engine do the arithmetic.

- ``council_savings``: one council and a period (the staff report, the CSV, the dashboard, the CLI);
- ``group_savings``: a shared-service group, each member separately, the shared platform cost shared out;
- ``platform_savings``: every council side by side, for operators.

Reports read the daily rollups and the imported offline counts, never the raw transactions.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.savings.avoidable_contact import AvoidableContactReport, build_avoidable_contact
from civicshare.savings.avoided_contacts import (
    AvoidedContactAssumptions,
    AvoidedContactEstimate,
    estimate_avoided_contacts,
)
from civicshare.savings.baseline import BaselineMix, BaselineVolume
from civicshare.savings.channels import Channel
from civicshare.savings.contact_log import avoidable_contacts_logged
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.groups import Apportionment, GroupReport, SharedServiceGroup, build_group_report
from civicshare.savings.inputs_version import savings_inputs_key
from civicshare.savings.measures import ServiceMeasures
from civicshare.savings.money import round_to_penny
from civicshare.savings.operators import PlatformOverview, build_platform_overview
from civicshare.savings.period import ReportPeriod, month_of
from civicshare.savings.report import Grouping, SavingsReport, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.service import (
    contact_rollups,
    cost_change_days,
    council_baseline,
    council_unit_costs,
    first_contact_day,
)
from civicshare.savings.service_flags import ServiceFlagsSource, flags_key, resolve_flags
from civicshare.savings.services import ServiceFlags
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.records import load_tenant_contexts
from civicshare.tenancy.tables import service_groups

# domain.md: "assuming a fifth of them avoided a phone call".
DEFAULT_AVOIDANCE_RATE = Decimal("0.2")
DEFAULT_AVOIDED_CHANNEL = Channel.PHONE


@dataclass(frozen=True)
class AvoidedContactChoice:
    """The avoided-contact assumptions of one report; no ``sessions`` means the period's digital contacts."""

    avoidance_rate: Decimal = DEFAULT_AVOIDANCE_RATE
    avoided_channel: Channel = DEFAULT_AVOIDED_CHANNEL
    sessions: int | None = None


class CouncilSavings(BaseModel):
    """A council's report with what a reader needs beside it."""

    model_config = ConfigDict(frozen=True)

    council: str
    council_name: str
    report: SavingsReport
    savings_to_date: Decimal
    """Cost avoided from the first day with any contact to the end of the period: that before the
    period plus the period's own."""
    cashable_saving_to_date: Decimal = Decimal("0.00")
    """The cashable saving over the same days."""
    savings_to_date_since: date | None
    services_without_flags: tuple[str, ...]
    """Services the platform has no flags for, counted in the channel-shift figure by assumption."""
    avoidable_contact: AvoidableContactReport | None = None
    measures: ServiceMeasures | None = None
    """The four service measures by month and service (``savings.measures_service``), where asked for."""
    figures_read_at: datetime | None = None
    """When the figures were read. A report is remembered: what residents did since, for up to
    ``CIVICSHARE_SAVINGS_ACTIVITY_LAG_SECONDS``, may not be in it yet (any other change is)."""


async def council_savings(
    connection: AsyncConnection,
    tenant: TenantContext,
    flags_source: ServiceFlagsSource,
    period: ReportPeriod,
    *,
    group_by: Collection[Grouping] = (Grouping.MONTH,),
    avoided: AvoidedContactChoice | None = AvoidedContactChoice(),
    with_savings_to_date: bool = True,
    with_avoidable_contact: bool = True,
) -> CouncilSavings:
    read_at = datetime.now(UTC)
    # Read before any input, so savings remembered under it are never older than it says.
    inputs = await savings_inputs_key(connection, tenant) if with_savings_to_date else None
    costs = await council_unit_costs(connection, tenant)
    stored_baseline = await council_baseline(connection)
    baseline = {service: stored.mix for service, stored in stored_baseline.items()}
    volumes = {service: stored.volume for service, stored in stored_baseline.items() if stored.volume is not None}
    dated = {service for service, stored in stored_baseline.items() if stored.measured_before is not None}
    since = await first_contact_day(connection) if with_savings_to_date else None
    earlier = (
        ReportPeriod(start=since, end=period.start - timedelta(days=1)) if since and since < period.start else None
    )
    settled = _settled_key(connection, tenant, flags_source, earlier, inputs)
    remembered = _settled_before.get(settled) if settled is not None else None
    # One pass over the rollups serves the report and the savings before it: stretches are split at the
    # report's first day, so each lies wholly inside or outside the report's period.
    # The scan starts on the first of the first contact's month (no contacts come before it, so the
    # rows are the same), which lets that month come from the monthly cache too. Savings before the
    # period remembered for the same inputs need none of its rows.
    scanned = ReportPeriod(start=earlier.start.replace(day=1), end=period.end) if earlier else period
    if settled is not None and remembered is not None:
        _settled_before.move_to_end(settled)
        scanned = period
    rows = await contact_rollups(
        connection, scanned, cost_changes=cost_change_days(costs.schedule), splits=(period.start,)
    )

    codes = {row.service for row in rows}
    flags = resolve_flags(flags_source, tenant.slug, codes | set(remembered.unknown if remembered else ()))
    # Building a report is pure arithmetic over every day's rows, seconds for a long period: it runs beside
    # the event loop, which meanwhile serves every other council.
    report = await asyncio.to_thread(
        build_savings_report,
        council=tenant.slug,
        period=period,
        rollups=rows,
        services=flags.flags,
        unit_costs=costs.schedule,
        baseline=baseline,
        group_by=group_by,
        baseline_volumes=volumes,
        dated_baselines=dated,
    )
    if avoided is not None:
        assumptions = AvoidedContactAssumptions(
            sessions=report.digital_volume_with_other_ways if avoided.sessions is None else avoided.sessions,
            avoidance_rate=avoided.avoidance_rate,
            avoided_channel=avoided.avoided_channel,
        )
        estimate: AvoidedContactEstimate = estimate_avoided_contacts(
            assumptions, costs.schedule.cost(avoided.avoided_channel, None, period.end)
        )
        report = report.model_copy(update={"avoided_contacts": estimate})
    # Savings to date: before the period plus in it, each summed from its own rounded cells as shown.
    savings_to_date = report.totals.savings
    cashable_to_date = report.totals.cashable_saving
    if remembered is not None:
        savings_to_date += remembered.savings
        cashable_to_date += remembered.cashable_saving
    elif earlier is not None:
        before_savings, before_cashable = await _savings_before(
            tenant.slug, earlier, rows, flags.flags, costs.schedule, baseline, volumes, dated
        )
        savings_to_date += before_savings
        cashable_to_date += before_cashable
        if settled is not None:
            known = flags_source.service_flags(tenant.slug)
            unknown = tuple(sorted({row.service for row in rows if row.day < period.start} - set(known)))
            _settled_before[settled] = _SavingsBefore(before_savings, before_cashable, unknown)
            while len(_settled_before) > _BEFORE_KEPT:
                _settled_before.popitem(last=False)
    avoidable = None
    if with_avoidable_contact:
        contacts: dict[tuple[str, str], int] = defaultdict(int)
        start, end = period.start, period.end
        months: dict[date, str] = {}
        for row in rows:
            day = row.day
            if start <= day <= end:
                month = months.get(day)
                if month is None:
                    month = months[day] = month_of(day)
                contacts[(month, row.service)] += row.count
        avoidable = build_avoidable_contact(
            period, await avoidable_contacts_logged(connection, period), contacts, costs.schedule
        )
    return CouncilSavings(
        figures_read_at=read_at,
        avoidable_contact=avoidable,
        council=tenant.slug,
        council_name=tenant.name,
        report=report,
        savings_to_date=savings_to_date,
        cashable_saving_to_date=cashable_to_date,
        savings_to_date_since=since if since is not None and since <= period.end else None,
        services_without_flags=flags.unknown,
    )


@dataclass(frozen=True)
class _SavingsBefore:
    savings: Decimal
    cashable_saving: Decimal
    unknown: tuple[str, ...]
    """Services without flags among the contacts before the period (named in the report)."""


# The savings before a report's period, by the council's savings-inputs version (``inputs_version``): days
# before the last few change only with the version, so the next report with the same inputs reads and
# adds up none of those days' rows. Only periods wholly before the recent days are kept.
_settled_before: OrderedDict[tuple[Any, ...], _SavingsBefore] = OrderedDict()


def _settled_key(
    connection: AsyncConnection,
    tenant: TenantContext,
    flags_source: ServiceFlagsSource,
    earlier: ReportPeriod | None,
    inputs: tuple[Any, ...] | None,
) -> tuple[Any, ...] | None:
    if earlier is None or inputs is None:
        return None
    table, version, recent_since, *_, definition_costs = inputs
    if table is None or earlier.end >= recent_since:
        return None
    url = connection.engine.url
    where = (url.host, url.port, url.database, tuple(sorted(url.query.items())))
    return (where, tenant.id, table, version, definition_costs, earlier, flags_key(flags_source, tenant.slug))


# The savings before a report's period, by everything they are worked out from (a pure function of these
# inputs; the key holds them all, so a changed cost, baseline or count is a different key). A dashboard
# asked again for the same period skips two years of arithmetic; closed months make the inputs stable.
_BEFORE_KEPT = 256
_savings_before_memo: OrderedDict[bytes, tuple[Decimal, Decimal]] = OrderedDict()


async def _savings_before(
    council: str,
    earlier: ReportPeriod,
    rows: Sequence[RollupRow],
    services: Mapping[str, ServiceFlags],
    unit_costs: UnitCostSchedule,
    baseline: Mapping[str, BaselineMix],
    volumes: Mapping[str, BaselineVolume],
    dated: Collection[str],
) -> tuple[Decimal, Decimal]:
    """The savings and the cashable saving of the report for ``earlier`` (its totals, as shown)."""
    start, end = earlier.start, earlier.end
    inputs = (
        council,
        start,
        end,
        [(row.day, row.service, row.channel, row.count) for row in rows if start <= row.day <= end],
        sorted(services.items()),
        unit_costs,
        sorted(baseline.items()),
        sorted(volumes.items()),
        sorted(dated),
    )
    # A digest, not the inputs themselves: two years of daily rows per entry would hold megabytes each.
    key = hashlib.blake2b(repr(inputs).encode(), digest_size=32).digest()
    found = _savings_before_memo.get(key)
    if found is not None:
        _savings_before_memo.move_to_end(key)
        return found
    before = await asyncio.to_thread(
        build_savings_report,
        council=council,
        period=earlier,
        rollups=rows,
        services=services,
        unit_costs=unit_costs,
        baseline=baseline,
        group_by=(),
        baseline_volumes=volumes,
        dated_baselines=dated,
    )
    found = _savings_before_memo[key] = (before.totals.savings, before.totals.cashable_saving)
    while len(_savings_before_memo) > _BEFORE_KEPT:
        _savings_before_memo.popitem(last=False)
    return found


# --- shared-service groups ------------------------------------------------------------------------


class GroupNotFoundError(LookupError):
    pass


class GroupSavings(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    group_name: str
    platform_cost_per_year: Decimal
    report: GroupReport
    member_names: dict[str, str]


def platform_cost_for(period: ReportPeriod, cost_per_year: Decimal) -> Decimal:
    """The yearly cost spread evenly over the days of each calendar year, for the period's days."""
    total = Decimal(0)
    year = period.start.year
    while year <= period.end.year:
        first = max(period.start, date(year, 1, 1))
        last = min(period.end, date(year, 12, 31))
        days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        total += cost_per_year * ((last - first).days + 1) / days_in_year
        year += 1
    return round_to_penny(total)


def shared_service_group(
    definition: dict[str, Any], members: Sequence[str], period: ReportPeriod
) -> tuple[SharedServiceGroup, Decimal]:
    """The engine's group from a group file's JSON (``platform.service_groups.definition``)."""
    per_year = Decimal(str(definition.get("platform_cost_per_year") or "0"))
    apportionment = definition.get("apportionment") or {}
    fixed = apportionment.get("method") == "fixed"
    group = SharedServiceGroup(
        name=str(definition.get("slug") or definition.get("name")),
        members=tuple(members),
        shared_platform_cost=platform_cost_for(period, per_year),
        apportionment=Apportionment.FIXED_SHARES if fixed else Apportionment.BY_VOLUME,
        fixed_shares={slug: Decimal(str(share)) for slug, share in apportionment.get("shares", {}).items()}
        if fixed
        else None,
    )
    return group, per_year


async def group_savings(
    engine: AsyncEngine, group_slug: str, period: ReportPeriod, flags_source: ServiceFlagsSource
) -> GroupSavings:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(service_groups.c.name, service_groups.c.definition).where(service_groups.c.slug == group_slug)
            )
        ).one_or_none()
        members = [tenant for tenant in await load_tenant_contexts(connection) if tenant.group_slug == group_slug]
    if row is None:
        raise GroupNotFoundError(group_slug)
    if not members:
        raise GroupNotFoundError(f"{group_slug} has no member councils")
    group, per_year = shared_service_group({"slug": group_slug, **row.definition}, [m.slug for m in members], period)
    reports: dict[str, SavingsReport] = {}
    for member in members:
        async with tenant_connection(engine, member) as connection:
            savings = await council_savings(
                connection,
                member,
                flags_source,
                period,
                avoided=None,
                with_savings_to_date=False,
                with_avoidable_contact=False,
            )
        reports[member.slug] = savings.report
    return GroupSavings(
        group=group_slug,
        group_name=row.name,
        platform_cost_per_year=per_year,
        report=build_group_report(group, reports),
        member_names={member.slug: member.name for member in members},
    )


# --- operators ------------------------------------------------------------------------------------


async def platform_savings(
    engine: AsyncEngine, period: ReportPeriod, flags_source: ServiceFlagsSource
) -> PlatformOverview:
    async with engine.connect() as connection:
        councils = await load_tenant_contexts(connection)
    reports = []
    for council in councils:
        async with tenant_connection(engine, council) as connection:
            savings = await council_savings(
                connection,
                council,
                flags_source,
                period,
                group_by=(),
                with_savings_to_date=False,
                with_avoidable_contact=False,
            )
        reports.append(savings.report)
    return build_platform_overview(period, reports)


def default_period(today: date) -> ReportPeriod:
    """The twelve months to today: from the first day of the month eleven months back."""
    month_index = today.year * 12 + today.month - 1 - 11
    return ReportPeriod(start=date(month_index // 12, month_index % 12 + 1, 1), end=today)


def month_end(day: date) -> date:
    next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return next_month - timedelta(days=1)
