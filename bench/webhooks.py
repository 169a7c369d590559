"""How fast the "webhooks" subscriber delivers a council's events to a receiver on loopback.

Run: `.venv/bin/python -m bench webhooks`. Each event is one `handle` call as the job queue makes it: read
what is owed (one short transaction), sign and POST to each endpoint with no connection held, record each
attempt (a second short transaction). Sequential is one job at a time; concurrent runs several jobs at
once, as a worker with concurrency does. The receiver is uvicorn on 127.0.0.1 answering 204.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from rich.table import Table

from bench.harness import BenchDatabase
from civicshare.casework.service import Officer
from civicshare.db.engine import tenant_connection
from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.notifications.webhooks import endpoints
from civicshare.notifications.webhooks.config import secret_box
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.service import onboard_tenant
from tests.notifications.webhooks.receiver import free_port
from tests.support import council_definition, tenant_context_for

EVENTS = 1000
CONCURRENT_JOBS = 8
_ids = itertools.count(1)


async def _receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _serve_receiver() -> tuple[uvicorn.Server, int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_receiver, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, port


def _event(slug: str) -> OutboxEvent:
    return OutboxEvent(
        id=next(_ids),
        council=slug,
        kind=EventKind.STATUS_CHANGED,
        reference="BEN-2026-000001",
        service="report-pothole",
        occurred_at=datetime.now(UTC),
        data={"from_status": "received", "to_status": "in_progress", "status_label": "Being fixed"},
    )


async def _run(subscriber: WebhookSubscriber, slug: str, jobs: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(range(EVENTS))

    async def worker() -> None:
        while queue:
            queue.pop()
            started = time.perf_counter()
            await subscriber.handle(_event(slug))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(jobs)))
    return time.perf_counter() - started, latencies


async def run_benchmark(bench: BenchDatabase) -> Table:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=bench.url, data_dir=Path(data_dir), log_format="console")
        engine = bench.database.engine
        server, port = _serve_receiver()
        table = Table(title=f"webhooks: {EVENTS} events per row, receiver on 127.0.0.1")
        for column in ("endpoints", "jobs at once", "events/s", "deliveries/s", "median ms", "p95 ms"):
            table.add_column(column, justify="right")
        sender = WebhookSender.for_settings(settings, engine)
        try:
            for endpoint_count in (1, 3):
                definition = council_definition()
                async with engine.begin() as connection:
                    await onboard_tenant(connection, definition)
                tenant = await tenant_context_for(bench.database, definition.slug)
                async with tenant_connection(engine, tenant) as connection:
                    for number in range(endpoint_count):
                        await endpoints.register(
                            connection,
                            secret_box(settings),
                            Officer("bench", "bench"),
                            url=f"http://127.0.0.1:{port}/hooks/{number}",
                            description="",
                            event_types=None,
                        )
                subscriber = WebhookSubscriber(sender, TenantDirectory(engine, max_age_seconds=60))
                for jobs in (1, CONCURRENT_JOBS):
                    seconds, latencies = await _run(subscriber, definition.slug, jobs)
                    ordered = sorted(latencies)
                    table.add_row(
                        str(endpoint_count),
                        str(jobs),
                        f"{EVENTS / seconds:.0f}",
                        f"{EVENTS * endpoint_count / seconds:.0f}",
                        f"{statistics.median(latencies) * 1000:.1f}",
                        f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:.1f}",
                    )
        finally:
            await sender.aclose()
            server.should_exit = True
    return table
