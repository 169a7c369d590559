"""The staff savings dashboard with the four service measures, timed the way an officer gets it.

Part of ``python -m bench savings`` (this module has no ``run_benchmark`` of its own): the savings
benchmark's council, with its 5 million transactions' worth of rollups, also gets a year of journey
counts (every service, every day) and of answers to the feedback question (FEEDBACK_PER_DAY a service a
day, counted per day, service and rating; COMMENT_SHARE of them with words). An officer signed in
through the dev identity then asks for ``/staff/savings`` for the last twelve months of the data over
ASGI in process: the whole server's work (council, session, the report by month, service and channel,
the measures, seven charts, the page).

Alone, on the same data (quicker than the whole savings benchmark), optionally with a cProfile of the
timed requests:

    .venv/bin/python -m bench savings_dashboard
    BENCH_DASHBOARD_PROFILE=/tmp/dashboard.pstats .venv/bin/python -m bench savings_dashboard
"""

from __future__ import annotations

import cProfile
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import httpx
from rich.table import Table
from sqlalchemy import TextClause, text

from bench.harness import BenchDatabase, Stopwatch
from civicshare.app import build_services, create_app, settle_heap
from civicshare.db.engine import tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.identity.provider import dev_issuer
from civicshare.savings.measures_dashboard import measures_dashboard_parts
from civicshare.savings.measures_service import council_measures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping
from civicshare.savings.reporting import council_savings
from civicshare.savings.service_flags import CatalogueServiceFlags
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from tests.auth.conftest import cookie_header, sign_in_in_browser

FEEDBACK_PER_DAY = 60
COMMENT_SHARE = 0.1
TARGET_MS = 100.0


async def load_measures(bench: BenchDatabase, council: TenantContext, services: Sequence[str], last_day: date) -> int:
    """A year of journey counts and feedback answers up to ``last_day``; the number of answers."""
    rng = random.Random(18)
    days = [last_day - timedelta(days=offset) for offset in range(365)]
    journeys = [
        (day, service, 400 + rng.randrange(100), 300 + rng.randrange(60)) for day in days for service in services
    ]
    ratings: Counter[tuple[date, str, int]] = Counter()
    comments = []
    for day in days:
        for service in services:
            for _ in range(FEEDBACK_PER_DAY):
                rating = rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
                ratings[(day, service, rating)] += 1
                if rng.random() < COMMENT_SHARE:
                    comments.append((day, service, rating, "It took a while to find the form"))
    async with tenant_connection(bench.database.engine, council) as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        for table, columns, rows in (
            ("journey_counts", ["day", "service", "started", "sent"], journeys),
            ("feedback_ratings", ["day", "service", "rating", "count"], [(*key, n) for key, n in ratings.items()]),
            ("service_feedback", ["day", "service", "rating", "comment"], comments),
        ):
            await driver.copy_records_to_table(table, schema_name=council.schema, columns=columns, records=rows)
    return sum(ratings.values())


async def dashboard_benchmark(
    bench: BenchDatabase, council: TenantContext, services: Sequence[str], last_day: date, runs: int
) -> list[tuple[str, str]]:
    answers = await load_measures(bench, council, services, last_day)
    first_day = last_day - timedelta(days=364)
    path = f"/staff/savings?from={first_day.isoformat()}&to={last_day.isoformat()}"
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=bench.url, data_dir=Path(data_dir), tenant_cache_seconds=60.0, log_level="WARNING"
        )
        identity = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
        await identity.ensure_council(CouncilOrganization(council.slug, council.name, (), True, ()))
        email = "fay.finance@bench.example"
        await identity.add_staff(council.slug, email, Role.COUNCIL_STAFF)
        app = create_app(settings, build_services(settings, bench.database))
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{council.slug}.localhost") as client:
            headers = {"Accept": "text/html", **cookie_header(await sign_in_in_browser(client, council.slug, email))}
            client.cookies.clear()
            profile = cProfile.Profile() if os.environ.get("BENCH_DASHBOARD_PROFILE") else None
            passes: dict[bool, tuple[list[float], list[float]]] = {}
            for submitting in (False, True):  # remembered by the node; worked out again after a submission
                samples: list[float] = []
                cpu: list[float] = []
                for number in range(runs + 1):
                    if submitting:
                        async with bench.database.engine.begin() as connection:
                            await connection.execute(_bump(council))
                    if profile is not None and number and submitting:
                        profile.enable()
                    watch, cpu_from = Stopwatch(), time.process_time()
                    page = await client.get(path, headers=headers)
                    if number:  # the first warms plans, pools and caches
                        samples.append(watch.ms)
                        cpu.append((time.process_time() - cpu_from) * 1000)
                    if profile is not None:
                        profile.disable()
                    assert page.status_code == 200, page.text[:300]
                    assert page.text.count('<svg class="chart"') == 7
                passes[submitting] = (samples, cpu)
            if profile is not None:
                profile.dump_stats(os.environ["BENCH_DASHBOARD_PROFILE"])
            api = await _report_api(bench, council, client, headers, last_day, runs)
    measures_only = await _measures_part(bench, council, ReportPeriod(start=first_day, end=last_day), runs)
    rows = [
        (
            f"journey_counts rows / feedback answers (a year, {len(services)} services)",
            f"{365 * len(services):,} / {answers:,}",
        )
    ]
    for submitting, (samples, cpu) in sorted(passes.items(), key=lambda item: not item[0]):
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        how = "worked out again after a submission" if submitting else "remembered by the node"
        rows += [
            (
                f"staff dashboard with the four measures, last 12 months, over ASGI, {how} ({runs} runs; "
                f"target < {TARGET_MS:.0f} ms)",
                f"{statistics.median(samples):8.1f} ms median {p95:8.1f} ms p95 "
                f"({'met' if p95 < TARGET_MS else 'missed'})",
            ),
            (
                "  its wall-clock minimum; this process's CPU time per request (PostgreSQL's work is not in it)",
                f"{min(samples):8.1f} ms min, CPU {statistics.median(cpu):6.1f} ms median {min(cpu):6.1f} min",
            ),
        ]
    return [
        *rows,
        ("of which the four measures (their two queries, the arithmetic, four charts)", measures_only),
        *api,
    ]


def _bump(council: TenantContext) -> TextClause:
    """Today's count one up, as a resident's submission INSERT does it."""
    return text(
        f'INSERT INTO "{council.schema}".daily_rollups AS r (day, service, channel, is_test, count) '
        "VALUES (CAST(now() AT TIME ZONE 'Europe/London' AS date), 'report-pothole', 'web', false, 1) "
        "ON CONFLICT (day, service, channel, is_test) DO UPDATE SET count = r.count + 1"
    )


async def _report_api(
    bench: BenchDatabase,
    council: TenantContext,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    last_day: date,
    runs: int,
) -> list[tuple[str, str]]:
    """The report API (by month, the twelve months to the last day) as the node remembers it, and worked out
    again after each of a resident's submissions (today's count goes up, as a submission's INSERT does it)."""
    path = f"/api/v1/savings/report?group_by=month&to={last_day.isoformat()}"
    bump = _bump(council)
    rows = []
    for name, submitting in (("remembered", False), ("worked out again after a submission", True)):
        cpu: list[float] = []
        walls: list[float] = []
        for number in range(runs + 1):
            if submitting:
                async with bench.database.engine.begin() as connection:
                    await connection.execute(bump)
            watch, cpu_from = Stopwatch(), time.process_time()
            answer = await client.get(path, headers=headers)
            assert answer.status_code == 200, answer.text[:300]
            if number:
                walls.append(watch.ms)
                cpu.append((time.process_time() - cpu_from) * 1000)
        rows.append(
            (
                f"report API by month, 12 months, {name} ({runs} runs): wall; this process's CPU",
                f"{statistics.median(walls):8.1f} ms median, CPU {statistics.median(cpu):6.1f} ms median",
            )
        )
    return rows


async def _measures_part(bench: BenchDatabase, council: TenantContext, period: ReportPeriod, runs: int) -> str:
    """What the measures add to the dashboard, given the report it builds anyway."""
    flags = CatalogueServiceFlags()
    grouping = (Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL)
    async with tenant_connection(bench.database.engine, council) as connection:
        report = (await council_savings(connection, council, flags, period, group_by=grouping)).report
    samples: list[float] = []
    for number in range(runs + 1):
        watch = Stopwatch()
        async with tenant_connection(bench.database.engine, council) as connection:
            measures = await council_measures(connection, council, flags, period, report=report)
        measures_dashboard_parts(measures)
        if number:
            samples.append(watch.ms)
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(samples):8.1f} ms median {p95:8.1f} ms p95"


async def run_benchmark(bench: BenchDatabase) -> Table:
    """The dashboard alone, on the savings benchmark's council and data."""
    from bench.savings import FIRST_DAY, SERVICES, live_council, load_rollups

    total, days, runs = 5_000_000, 1095, 30
    council = await live_council(bench.database, "bench-council", "BEN")
    await load_rollups(bench.database, council, total, days)
    settle_heap()  # as a serving worker does after start-up
    table = Table("measure", "result", title="savings dashboard (embedded PostgreSQL 18, this machine)")
    for name, value in await dashboard_benchmark(bench, council, SERVICES, FIRST_DAY + timedelta(days=days - 1), runs):
        table.add_row(name, value)
    return table
