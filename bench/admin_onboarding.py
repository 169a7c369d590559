"""How long onboarding a council through the admin API takes, until the council answers on its host.

Run: `.venv/bin/python -m bench admin_onboarding`. Uses the embedded PostgreSQL under ./var with a
database of its own (dropped afterwards) and the platform served over loopback HTTP.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx
from rich.table import Table

from bench.harness import BenchDatabase
from civicshare.admin.keys import create_key
from civicshare.policy.operators import OperatorScope
from civicshare.settings import Settings
from tests.support import ServedPlatform, council_definition

COUNCILS = 20


def _row(name: str, samples: list[float]) -> tuple[str, ...]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        name,
        str(len(samples)),
        f"{statistics.mean(samples) * 1000:.0f}",
        f"{statistics.median(samples) * 1000:.0f}",
        f"{p95 * 1000:.0f}",
        f"{max(samples) * 1000:.0f}",
    )


async def measure(bench: BenchDatabase, councils: int) -> Table:
    async with bench.database.engine.begin() as connection:
        key = (
            await create_key(connection, name="bench", scope=OperatorScope.FULL, expires_at=None, created_by="bench")
        ).key
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=bench.url, data_dir=Path(data_dir), log_format="console", log_level="WARNING")
        platform = ServedPlatform(settings, bench.url)
        platform.start()
        onboarding: list[float] = []
        until_serving: list[float] = []
        try:
            async with httpx.AsyncClient(base_url=platform.url, timeout=60) as client:
                for _ in range(councils):
                    definition = council_definition().model_dump(mode="json")
                    started = time.perf_counter()
                    response = await client.post(
                        "/admin/v1/councils", json=definition, headers={"Authorization": f"Bearer {key}"}
                    )
                    onboarded = time.perf_counter()
                    assert response.status_code == 201, response.text
                    served = await client.get("/api/v1/council", headers={"Host": f"{definition['slug']}.localhost"})
                    assert served.status_code == 200, served.text
                    onboarding.append(onboarded - started)
                    until_serving.append(time.perf_counter() - started)
        finally:
            platform.stop()
    table = Table(
        "measure", "councils", "mean ms", "p50 ms", "p95 ms", "max ms", title="Onboarding through the admin API"
    )
    table.add_row(*_row("POST /admin/v1/councils", onboarding))
    table.add_row(*_row("... until its host answers", until_serving))
    return table


async def run_benchmark(bench: BenchDatabase) -> Table:
    return await measure(bench, COUNCILS)
