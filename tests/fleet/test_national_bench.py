"""The national benchmark's loader and tables at toy scale, so that they keep working between the runs
that take hours: two councils' year of requests, their savings rollups, and the figures' table."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from bench.national import Options, Prepared, catalogue_size, measure_memory, platform_table
from bench.national_cpu import Watched
from bench.national_load import load_councils
from bench.national_traffic import Tally
from bench.national_windows import Window, answered, record_windows, windows_table
from bench.service_mix import service_mix
from civicshare.db.engine import Database
from civicshare.db.metadata import tenant_schema_name
from civicshare.settings import PROJECT_ROOT
from tests.conftest import CouncilFactory

ROWS = 400


async def test_a_year_of_requests_loads_with_rollups_that_count_them(
    database: Database, make_council: CouncilFactory, tmp_path: Path
) -> None:
    mix = service_mix()
    modules = {module: {"enabled": True} for module in {entry.module for entry in mix}}
    councils = [await make_council(modules=modules), await make_council(modules=modules)]
    loaded = await load_councils(database.engine, councils, ROWS, mix, at_once=2, progress=lambda done: None)
    assert loaded.rows == ROWS
    statuses = {entry.service: set(entry.open_statuses) | set(entry.closing_statuses) for entry in mix}
    async with database.engine.connect() as connection:
        for council in councils:
            schema = tenant_schema_name(council.slug)
            rows = (
                await connection.execute(
                    text(f'SELECT service, status, closed_at IS NULL AS open, created_at FROM "{schema}".transactions')
                )
            ).all()
            assert len(rows) == ROWS // 2
            assert all(row.status in statuses[row.service] for row in rows)
            assert 0 < sum(row.open for row in rows) < len(rows)  # mostly closed, the recent ones open
            counted = await connection.scalar(text(f'SELECT sum(count) FROM "{schema}".daily_rollups'))
            assert counted == ROWS // 2
            assert len({row.service for row in rows}) > 5

    memory = await measure_memory(database.engine)
    assert memory.tables_touched > 0 and memory.after_kb >= memory.before_kb
    options = Options(2, ROWS, 1, 1, tmp_path, False, 2, 2, 2, 0)
    catalogue = await catalogue_size(database.engine)
    table = platform_table(options, Prepared(1.0, 1.0, loaded.rows, 1.0, 2), memory, catalogue, disk=1)
    assert table.row_count >= 8


def test_the_benchmarks_nodes_run_with_the_platforms_settings_not_the_suites() -> None:
    """The nodes inherit the benchmark's environment: importing it must not set the test suite's (no spare
    schemas, savings reports worked out after every submission), which would measure another platform."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("CIVICSHARE_")}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, bench.national; print(sorted(n for n in os.environ if n.startswith('CIVICSHARE_')))",
        ],
        env={**clean, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = ast.literal_eval(shown)
    # Only the rate limits far above the load (bench.harness), so that they are counted but never refuse it.
    assert names and all(name.startswith("CIVICSHARE_RATE_LIMIT_") for name in names), names


async def test_the_mix_is_shown_window_by_window_with_the_requests_answered_in_each() -> None:
    """Each window counts the requests answered in it (their sum is the run's), and the table shows its rate
    and the rate the cores could carry at its CPU per request."""
    tallies: dict[str, Tally] = {"resident: track a request": Tally()}
    watched = Watched(node_pids=[os.getpid()], postgres_pid=os.getpid(), pgbouncer_pid=os.getpid())
    windows: list[Window] = []

    async def answering() -> None:
        until = time.monotonic() + 0.8  # all answered before the last window ends
        while time.monotonic() < until:
            await asyncio.sleep(0.01)
            sum(range(50_000))  # some CPU for each window to count
            tallies["resident: track a request"].latencies.append(0.01)

    await asyncio.gather(answering(), record_windows(tallies, watched, seconds=0.9, every=0.3, into=windows))
    assert len(windows) == 3
    assert sum(window.requests for window in windows) == answered(tallies) > 0
    assert all(window.spent.total > 0 for window in windows)
    shown = windows_table(windows, [80.0, 90.0, 100.0])
    assert shown.row_count == 3
    assert "median" in str(shown.caption) and "80 to 100 ms, median 90" in str(shown.caption)
