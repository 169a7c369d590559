"""Savings benchmark: how fast a council's report is, and what the rollups add to each submission.

    python -m bench savings            # 5 million transactions' worth of rollups

It runs in bench's scratch database on the embedded PostgreSQL under ./var, onboards one live council.

1. Report time. The council gets three years of daily rollups: 15 services x 6 channels x 1,095 days,
   whose counts add up to 5,000,000 transactions, written straight into ``daily_rollups`` with COPY
   (no raw transaction rows: reports never read them), plus a year of imported offline counts, a
   baseline for every service and three effective-dated unit-cost changes. Each report is timed the way
   the HTTP handler runs it (open a routed connection, load inputs, build the report), warm, many times;
   the first report, which counts the closed months into the monthly cache, is timed on its own.
   The staff dashboard with the four service measures is timed too (``bench.savings_dashboard``).
2. Submit latency. ``create_transaction`` (reference, transaction row, status event, commit) timed with
   and without the rollup count, alternating blocks so both see the same conditions.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rich.table import Table
from sqlalchemy import text, update

import civicshare.transactions.service as transactions_service
from bench.harness import BenchDatabase
from bench.savings_dashboard import dashboard_benchmark
from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.baseline import BaselineMix, BaselineVolume
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostOverride
from civicshare.savings.csv_export import report_to_csv
from civicshare.savings.dashboard import council_dashboard_parts
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping
from civicshare.savings.reporting import council_savings, platform_savings
from civicshare.savings.service import set_baseline, set_unit_cost
from civicshare.savings.service_flags import CatalogueServiceFlags
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.records import load_tenant_context
from civicshare.tenancy.service import onboard_tenant
from civicshare.tenancy.tables import tenants
from civicshare.transactions.service import NewTransaction, create_transaction

SERVICES = (
    "report-pothole", "report-streetlight", "report-fly-tipping", "missed-bin", "new-bin",
    "garden-waste-subscription", "resident-parking-permit", "challenge-penalty-charge", "pay-penalty-charge",
    "council-tax-discount", "council-tax-moving-home", "pay-council-tax", "building-control-inspection",
    "request-site-inspection", "order-bin",
)  # fmt: skip
FIRST_DAY = date(2023, 1, 1)
# create_transaction counts the contact in its one statement; the benchmark swaps in the statement
# without that part to time submits without the rollup.
WITH_ROLLUP = transactions_service.create_statement(count_contact=True)
WITHOUT_ROLLUP = transactions_service.create_statement(count_contact=False)


async def live_council(database: Database, slug: str, prefix: str) -> TenantContext:
    definition = TenantDefinition(
        slug=slug, name=f"Bench council {slug}", gss_code=f"E09{abs(hash(slug)) % 10**6:06d}", reference_prefix=prefix
    )
    async with database.engine.begin() as connection:
        await onboard_tenant(connection, definition)
        await connection.execute(update(tenants).where(tenants.c.slug == slug).values(mode="live"))
        council = await load_tenant_context(connection, slug)
    assert council is not None
    return council


def rollup_records(total: int, days: int) -> list[tuple[Any, ...]]:
    """(day, service, channel, is_test, count) rows whose counts add up to exactly ``total``."""
    rng = random.Random(5)
    keys = [
        (FIRST_DAY + timedelta(days=offset), service, channel.value)
        for offset in range(days)
        for service in SERVICES
        for channel in Channel
    ]
    weights = [rng.uniform(0.2, 1.8) for _ in keys]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return [(*key, False, count) for key, count in zip(keys, counts, strict=True)]


async def load_rollups(database: Database, council: TenantContext, total: int, days: int) -> tuple[int, int]:
    records = rollup_records(total, days)
    offline = [
        (FIRST_DAY + timedelta(days=offset), service, channel.value, 40)
        for offset in range(min(days, 365))
        for service in SERVICES
        for channel in (Channel.PHONE, Channel.FACE_TO_FACE, Channel.EMAIL, Channel.WEBCHAT)
    ]
    async with tenant_connection(database.engine, council) as connection:
        for service in SERVICES:
            mix = BaselineMix(shares={Channel.PHONE: Decimal("0.7"), Channel.FACE_TO_FACE: Decimal("0.1"),
                                      Channel.EMAIL: Decimal("0.05"), Channel.WEB: Decimal("0.15")})  # fmt: skip
            # The year before the first day, with its volume, so reports work out the cashable saving too.
            volume = BaselineVolume(contacts={Channel.PHONE: 70_000, Channel.FACE_TO_FACE: 10_000, Channel.EMAIL: 5_000,
                                              Channel.WEB: 15_000}, days=365, measured_before=FIRST_DAY)  # fmt: skip
            await set_baseline(connection, service, mix, measured_before=FIRST_DAY, volume=volume)
        for channel, cost, start in (
            (Channel.PHONE, "3.05", date(2023, 9, 14)),
            (Channel.FACE_TO_FACE, "9.10", date(2024, 4, 1)),
            (Channel.WEB, "0.18", date(2025, 2, 17)),
        ):
            await set_unit_cost(
                connection, UnitCostOverride(channel=channel, unit_cost=Decimal(cost), effective_from=start)
            )
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            "daily_rollups", schema_name=council.schema, columns=["day", "service", "channel", "is_test", "count"],
            records=records,
        )  # fmt: skip
        await driver.copy_records_to_table(
            "offline_contact_counts", schema_name=council.schema, columns=["day", "service", "channel", "count"],
            records=offline,
        )  # fmt: skip
    async with database.engine.connect() as connection:
        await connection.execute(text(f'ANALYZE "{council.schema}".daily_rollups'))
        await connection.commit()
    return len(records), len(offline)


async def timed(runs: int, action: Callable[[], Awaitable[object]]) -> list[float]:
    await action()  # warm: plans, pools, caches
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        seconds.append(time.perf_counter() - started)
    return seconds


async def timed_report(runs: int, action: Callable[[], Awaitable[object]]) -> str:
    """Wall-clock minimum and median (others share this machine: the minimum is the least disturbed run),
    and this process's CPU time per run (PostgreSQL's own work is not in it)."""
    await action()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        await action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return (
        f"{min(wall) * 1000:6.1f} ms min {statistics.median(wall) * 1000:6.1f} ms median,"
        f" CPU {min(cpu) * 1000:5.1f} min {statistics.median(cpu) * 1000:5.1f} median"
    )


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(values) * 1000:8.1f} ms median {p95 * 1000:8.1f} ms p95"


async def report_benchmarks(database: Database, council: TenantContext, runs: int, days: int) -> list[tuple[str, str]]:
    flags = CatalogueServiceFlags()
    last_day = FIRST_DAY + timedelta(days=days - 1)
    last_year = ReportPeriod(start=last_day - timedelta(days=364), end=last_day)
    everything = ReportPeriod(start=FIRST_DAY, end=last_day)

    def report(
        period: ReportPeriod, group_by: tuple[Grouping, ...], to_date: bool = True
    ) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            async with tenant_connection(database.engine, council) as connection:
                return await council_savings(
                    connection, council, flags, period, group_by=group_by, with_savings_to_date=to_date
                )

        return run

    async def csv_export() -> object:
        async with tenant_connection(database.engine, council) as connection:
            savings = await council_savings(
                connection, council, flags, last_year, group_by=(Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL),
                avoided=None, with_savings_to_date=False,
            )  # fmt: skip
        return report_to_csv(savings.report)

    every_dimension = (Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL)

    async def dashboard() -> object:
        # What the staff dashboard's handler does before its template: the report by month and channel
        # with savings to date, and the charts.
        async with tenant_connection(database.engine, council) as connection:
            savings = await council_savings(
                connection, council, flags, last_year, group_by=(Grouping.MONTH, Grouping.CHANNEL)
            )
        return council_dashboard_parts(savings)

    async def overview() -> object:
        return await platform_savings(database.engine, last_year, flags)

    # The first report reads every closed month's daily rows once and keeps their monthly counts.
    started = time.perf_counter()
    await report(last_year, (Grouping.MONTH,))()
    first = f"{(time.perf_counter() - started) * 1000:8.1f} ms once"
    rows = [
        ("report, last 12 months by month (+ savings to date over 3 years)", report(last_year, (Grouping.MONTH,))),
        ("report, last 12 months by month only", report(last_year, (Grouping.MONTH,), to_date=False)),
        ("report, 3 years by month, service and channel", report(everything, every_dimension)),
        ("staff dashboard: 12 months by month and channel, savings to date, charts", dashboard),
        ("CSV export, last 12 months (month x service x channel)", csv_export),
        ("operator overview (this database's councils), last 12 months", overview),
    ]
    return [
        ("first report after loading (fills the monthly cache), 12 months + savings to date", first),
        *[(name, await timed_report(runs, action)) for name, action in rows],
    ]


async def submit_benchmark(database: Database, council: TenantContext, submissions: int) -> list[tuple[str, str]]:
    new = NewTransaction(
        module="highways", service="report-pothole", channel="web", status="received",
        answers={"description": "a pothole by the bus stop"}, contact_email="resident@example.org",
    )  # fmt: skip

    async def submit() -> None:
        async with tenant_connection(database.engine, council) as connection:
            await create_transaction(connection, council, new)

    with_rollup: list[float] = []
    without_rollup: list[float] = []
    block = 100
    await timed(50, submit)
    for round_number in range(submissions // block):
        for use_rollup in (round_number % 2 == 0, round_number % 2 == 1):
            transactions_service.CREATE_TRANSACTION = WITH_ROLLUP if use_rollup else WITHOUT_ROLLUP
            try:
                (with_rollup if use_rollup else without_rollup).extend(await timed(block, submit))
            finally:
                transactions_service.CREATE_TRANSACTION = WITH_ROLLUP
    extra = statistics.mean(with_rollup) / statistics.mean(without_rollup) - 1
    extra_median = statistics.median(with_rollup) / statistics.median(without_rollup) - 1
    return [
        (f"submit without the rollup upsert ({len(without_rollup)} commits)", ms(without_rollup)),
        (f"submit with the rollup upsert ({len(with_rollup)} commits)", ms(with_rollup)),
        ("extra submit latency from the rollup", f"{extra * 100:+.1f}% mean, {extra_median * 100:+.1f}% median"),
    ]


async def run_benchmark(bench: BenchDatabase, *, quick: bool = False) -> Table:
    total, days = (200_000, 365) if quick else (5_000_000, 1095)
    runs, submissions = (5, 400) if quick else (30, 4000)
    database = bench.database
    council = await live_council(database, "bench-council", "BEN")
    started = time.perf_counter()
    rollup_rows, offline_rows = await load_rollups(database, council, total, days)
    loaded_in = time.perf_counter() - started
    table = Table("measure", "result", title="savings (embedded PostgreSQL 18, this machine)")
    for name, value in [
        ("transactions represented by the rollups", f"{total:,} (no raw rows: reports never read them)"),
        ("daily_rollups rows (15 services x 6 channels x days)", f"{rollup_rows:,} over {days:,} days"),
        ("offline_contact_counts rows (4 staffed channels, 1 year)", f"{offline_rows:,}"),
        ("unit-cost changes / services with a baseline", f"3 / {len(SERVICES)}"),
        ("time to generate and COPY them", f"{loaded_in:.1f} s"),
    ]:
        table.add_row(name, value)
    table.add_section()
    # As a serving worker does once started (civicshare.serving.run_worker): what start-up and loading
    # made stays out of the collector's full passes, which would otherwise walk it on every report.
    gc.collect()
    gc.freeze()
    for name, value in await report_benchmarks(database, council, runs, days):
        table.add_row(name if value.endswith("once") else f"{name} (warm, {runs} runs; target < 100 ms)", value)
    table.add_section()
    last_day = FIRST_DAY + timedelta(days=days - 1)
    for name, value in await dashboard_benchmark(bench, council, SERVICES, last_day, runs):
        table.add_row(name, value)
    table.add_section()
    submit_council = await live_council(database, "bench-submits", "BES")
    for name, value in await submit_benchmark(database, submit_council, submissions):
        table.add_row(name, value)
    return table
