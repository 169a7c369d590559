"""Closed months come from a monthly cache: the figures must be exactly those of the daily rows, and
anything that changes a past month's counts must make the next report count that month again."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostOverride
from civicshare.savings.offline_import import parse_offline_contacts
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping, build_savings_report
from civicshare.savings.reporting import CouncilSavings, council_savings
from civicshare.savings.service import (
    closed_months,
    council_baseline,
    council_unit_costs,
    daily_contact_rollups,
    first_contact_day,
    rebuild_rollups,
    record_contact,
    set_baseline,
    set_unit_cost,
    store_offline_import,
)
from civicshare.savings.service_flags import CatalogueServiceFlags, resolve_flags
from civicshare.savings.tables import monthly_contact_months, offline_contact_counts
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import daily_rollups
from tests.savings.conftest import LiveCouncilFactory

SERVICES = ("report-pothole", "pay-council-tax", "missed-bin")
EVERY_DIMENSION = (Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL)


async def daily_path(
    connection: AsyncConnection, council: TenantContext, period: ReportPeriod, group_by: tuple[Grouping, ...]
) -> tuple[object, Decimal]:
    """The report and savings to date from every daily row, one by one: what the cache must reproduce."""
    costs = (await council_unit_costs(connection, council)).schedule
    stored = await council_baseline(connection)
    baseline = {service: item.mix for service, item in stored.items()}
    volumes = {service: item.volume for service, item in stored.items() if item.volume is not None}
    dated = {service for service, item in stored.items() if item.measured_before is not None}
    rows = await daily_contact_rollups(connection)
    flags = resolve_flags(CatalogueServiceFlags(), council.slug, {row.service for row in rows}).flags

    def build(within: ReportPeriod, grouping: tuple[Grouping, ...]) -> object:
        return build_savings_report(
            council=council.slug,
            period=within,
            rollups=rows,
            services=flags,
            unit_costs=costs,
            baseline=baseline,
            group_by=grouping,
            baseline_volumes=volumes,
            dated_baselines=dated,
        )

    report = build(period, group_by)
    to_date = report.totals.savings  # type: ignore[attr-defined]
    since = await first_contact_day(connection)
    if since is not None and since < period.start:
        to_date += build(ReportPeriod(start=since, end=period.start - timedelta(days=1)), ()).totals.savings  # type: ignore[attr-defined]
    return report, to_date


async def cached_path(
    connection: AsyncConnection, council: TenantContext, period: ReportPeriod, group_by: tuple[Grouping, ...]
) -> CouncilSavings:
    return await council_savings(connection, council, CatalogueServiceFlags(), period, group_by=group_by, avoided=None)


async def assert_same_as_daily(
    database: Database, council: TenantContext, period: ReportPeriod, group_by: tuple[Grouping, ...] = EVERY_DIMENSION
) -> CouncilSavings:
    async with tenant_connection(database.engine, council) as connection:
        expected_report, expected_to_date = await daily_path(connection, council, period, group_by)
        first = await cached_path(connection, council, period, group_by)  # fills the cache
    async with tenant_connection(database.engine, council) as connection:
        again = await cached_path(connection, council, period, group_by)  # reads it
    for savings in (first, again):
        assert savings.report == expected_report
        assert savings.savings_to_date == expected_to_date
    return again


async def cached_months(database: Database, council: TenantContext) -> set[date]:
    async with tenant_connection(database.engine, council) as connection:
        return set(await connection.scalars(select(monthly_contact_months.c.month)))


async def random_council(database: Database, live_council: LiveCouncilFactory, seed: int) -> TenantContext:
    """Eighteen months of random daily counts and offline counts, with unit costs changing mid-month."""
    council = await live_council()
    rng = random.Random(seed)
    async with tenant_connection(database.engine, council) as connection:
        rows = [
            {
                "day": day,
                "service": service,
                "channel": channel.value,
                "is_test": is_test,
                "count": rng.randrange(0, 60),
            }
            for day in (date(2023, 11, 17) + timedelta(days=offset) for offset in range(0, 540, rng.choice((1, 2))))
            for service in SERVICES
            for channel in Channel
            for is_test in (False, True)
            if rng.random() < 0.6
        ]
        await connection.execute(insert(daily_rollups), rows)
        offline = [
            {"day": date(2024, 1, 1) + timedelta(days=offset), "service": service, "channel": "phone", "count": n}
            for offset in range(0, 300, 5)
            for service in SERVICES
            if (n := rng.randrange(0, 30))
        ]
        await connection.execute(insert(offline_contact_counts), offline)
        for channel, cost, service, start in (
            (Channel.PHONE, "3.07", None, date(2024, 2, 14)),
            (Channel.PHONE, "3.41", "report-pothole", date(2024, 3, 9)),
            (Channel.WEB, "0.19", None, date(2024, 6, 1)),
            (Channel.FACE_TO_FACE, "9.33", None, date(2024, 11, 28)),
        ):
            override = UnitCostOverride(channel=channel, unit_cost=Decimal(cost), service=service, effective_from=start)
            await set_unit_cost(connection, override)
        mix = {Channel.PHONE: "0.6", Channel.FACE_TO_FACE: "0.15", Channel.EMAIL: "0.05", Channel.WEB: "0.2"}
        for service in SERVICES[:2]:
            await set_baseline(connection, service, BaselineMix(shares={c: Decimal(s) for c, s in mix.items()}))
    return council


async def test_reports_from_cached_months_match_the_daily_rows_for_random_data(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    for seed in (1, 2):
        council = await random_council(database, live_council, seed)
        for period in (
            ReportPeriod(start=date(2024, 1, 1), end=date(2024, 12, 31)),
            ReportPeriod(start=date(2024, 3, 17), end=date(2025, 2, 10)),
            ReportPeriod(start=date(2023, 11, 1), end=date(2025, 5, 31)),
        ):
            for group_by in (EVERY_DIMENSION, (Grouping.MONTH,), (Grouping.SERVICE,), ()):
                await assert_same_as_daily(database, council, period, group_by)
        # Months with a unit-cost change after their first day are never cached; the rest are.
        cached = await cached_months(database, council)
        assert date(2024, 5, 1) in cached and date(2024, 6, 1) in cached
        assert not cached & {date(2024, 2, 1), date(2024, 3, 1), date(2024, 11, 1)}


async def test_an_offline_import_for_a_cached_month_is_in_the_next_report(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await random_council(database, live_council, 3)
    period = ReportPeriod(start=date(2024, 1, 1), end=date(2024, 12, 31))
    before = await assert_same_as_daily(database, council, period)
    assert date(2024, 4, 1) in await cached_months(database, council)

    parsed = parse_offline_contacts("date,service,channel,count\n2024-04-03,report-pothole,face_to_face,5000\n")
    async with tenant_connection(database.engine, council) as connection:
        await store_offline_import(connection, parsed, source="april.csv", imported_by="test")
    assert date(2024, 4, 1) not in await cached_months(database, council)
    assert date(2024, 5, 1) in await cached_months(database, council)

    after = await assert_same_as_daily(database, council, period)
    # The random offline counts are all by phone, so 3 April had no face-to-face count to replace. The
    # imported count is that day's total of face-to-face contacts, the requests officers keyed in for
    # visitors included, so it replaces those in the figures rather than adding to them.
    async with tenant_connection(database.engine, council) as connection:
        keyed_in = await connection.scalar(
            select(func.coalesce(func.sum(daily_rollups.c.count), 0)).where(
                daily_rollups.c.day == date(2024, 4, 3),
                daily_rollups.c.service == "report-pothole",
                daily_rollups.c.channel == "face_to_face",
                daily_rollups.c.is_test.is_(False),
            )
        )
    assert keyed_in is not None and keyed_in < 5000
    assert after.report.totals.volume == before.report.totals.volume + 5000 - keyed_in


async def test_a_rebuild_and_a_count_for_a_past_day_forget_the_cached_months(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await random_council(database, live_council, 4)
    period = ReportPeriod(start=date(2024, 1, 1), end=date(2024, 12, 31))
    before = await assert_same_as_daily(database, council, period)

    async with tenant_connection(database.engine, council) as connection:
        for _ in range(7):
            await record_contact(connection, day=date(2024, 8, 20), service="missed-bin", channel="web", is_test=False)
    assert date(2024, 8, 1) not in await cached_months(database, council)
    counted = await assert_same_as_daily(database, council, period)
    assert counted.report.totals.volume == before.report.totals.volume + 7

    # A rebuild recounts from the raw transactions (there are none here), so every month must go.
    async with tenant_connection(database.engine, council) as connection:
        await rebuild_rollups(connection, council)
        assert await connection.scalar(select(func.count()).select_from(daily_rollups)) == 0
    assert await cached_months(database, council) == set()
    rebuilt = await assert_same_as_daily(database, council, period)
    offline_only = await offline_total(database, council, period)
    assert rebuilt.report.totals.volume == offline_only


async def offline_total(database: Database, council: TenantContext, period: ReportPeriod) -> int:
    async with tenant_connection(database.engine, council) as connection:
        total = await connection.scalar(
            select(func.coalesce(func.sum(offline_contact_counts.c.count), 0)).where(
                offline_contact_counts.c.day.between(period.start, period.end)
            )
        )
    return int(total or 0)


def test_only_whole_closed_months_without_a_change_inside_are_cached() -> None:
    period = ReportPeriod(start=date(2024, 1, 15), end=date(2024, 6, 30))
    changes = {date(2024, 3, 9), date(2024, 5, 1)}
    # January is partial, March has a change on the 9th, a change on the 1st splits nothing.
    assert closed_months(period, changes, today=date(2025, 1, 1)) == [
        date(2024, 2, 1),
        date(2024, 4, 1),
        date(2024, 5, 1),
        date(2024, 6, 1),
    ]
    # June ended yesterday: a submission made just before midnight may still be committing. A day later
    # it is closed.
    assert closed_months(period, changes, today=date(2024, 7, 1))[-1] == date(2024, 5, 1)
    assert closed_months(period, changes, today=date(2024, 7, 2))[-1] == date(2024, 6, 1)
