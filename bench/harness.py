"""What benchmarks share: a throw-away database on the embedded server, timers and table rows."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from civicshare.db.embedded import start_embedded_postgres
from civicshare.db.engine import Database, make_engine
from civicshare.db.migrations import upgrade_platform
from civicshare.settings import PROJECT_ROOT, Settings

# A benchmark sends far more from 127.0.0.1 than any rate limit allows one client: the limits stay on
# (so their cost is in every figure) but far above the load. In the environment, so the platforms the
# benchmarks serve in subprocesses see it too.
for _name in Settings.model_fields:
    if _name.startswith("rate_limit_") and _name.endswith(("_per_address", "_per_council")):
        os.environ.setdefault(f"CIVICSHARE_{_name.upper()}", "1000000/second")


@dataclass
class BenchDatabase:
    database: Database
    url: str


@asynccontextmanager
async def bench_database() -> AsyncIterator[BenchDatabase]:
    """A fresh database with the control plane migrated, dropped afterwards."""
    server = start_embedded_postgres(PROJECT_ROOT / "var")
    name = f"civicshare_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.url(name)
    database = Database(engine=make_engine(url, pool_size=8), url=url)
    try:
        await upgrade_platform(database.engine)
        yield BenchDatabase(database, url)
    finally:
        await database.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]missed[/red]"
