"""The system API at a council holding many requests: what a council's CRM waits for.

    .venv/bin/python -m bench system_api
    CIVICSHARE_BENCH_SYSTEM_ROWS=20000 .venv/bin/python -m bench system_api     (smaller, quicker)

One council with highways is onboarded and its transactions table filled in bulk with potholes
changed over 15 months (generate_series). A write key is made as an administrator makes it; then the
system's calls are timed over ASGI in process (the server's whole work: council, key, queries, JSON):
a page of 200 changes from the start, from the middle (by cursor) and of the last hour; reading one
request; moving one on (with an Idempotency-Key); a replayed move; and a public update. Calls are paced
under the key's rate limit, one at a time.
Target: p95 under 100 ms for each (the staff pages' target, issue 13), on our 2-core machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.table import Table
from sqlalchemy import text

from bench.harness import BenchDatabase, Stopwatch, verdict
from civicshare.app import build_services, create_app
from civicshare.casework.service import Officer
from civicshare.db.engine import tenant_connection
from civicshare.db.metadata import tenant_schema_name
from civicshare.settings import Settings
from civicshare.systems.keys import KeyScope, create_key
from civicshare.systems.rate import RATE_PER_SECOND
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.records import load_tenant_context
from civicshare.tenancy.service import onboard_tenant

ROWS = int(os.environ.get("CIVICSHARE_BENCH_SYSTEM_ROWS", "200000"))
SAMPLES = 60
TARGET_P95_MS = 100.0
DAYS = 456


def _load(schema: str) -> str:
    return f"""
INSERT INTO "{schema}".transactions (reference, module, service, channel, status, answers, submitter_kind,
    contact_email, latitude, longitude, created_at, updated_at)
SELECT 'BNS-2026-' || lpad(i::text, 7, '0'), 'highways', 'report-pothole', 'web', 'submitted',
    jsonb_build_object('size', 'large', 'on', 'road', 'latitude', '51.41', 'longitude', '-0.30'),
    'anonymous', 'resident' || (i % 5000) || '@example.org', 51.41, -0.30,
    now() - make_interval(secs => ({ROWS} - i) * {DAYS} * 86400.0 / {ROWS}),
    now() - make_interval(secs => ({ROWS} - i) * {DAYS} * 86400.0 / {ROWS})
FROM generate_series(1, {ROWS}) AS i
"""


class Pace:
    """Calls no faster than a key may make them (civicshare.systems.rate), so none is answered 429."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1 / per_second
        self.next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if now < self.next:
            await asyncio.sleep(self.next - now)
        self.next = max(now, self.next) + self.gap


def _row(name: str, samples: list[float]) -> tuple[str, str, str, str]:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000
    return name, f"{statistics.median(samples) * 1000:.1f}", f"{p95:.1f}", verdict(p95 < TARGET_P95_MS)


async def run_benchmark(bench: BenchDatabase) -> Table:
    engine = bench.database.engine
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    definition = TenantDefinition.model_validate(
        {
            "slug": slug,
            "name": "Bench Systems Council",
            "gss_code": f"E09{uuid.uuid4().int % 10**6:06d}",
            "reference_prefix": "BNS",
            "modules": {"highways": {"enabled": True}},
        }
    )
    async with engine.begin() as connection:
        await onboard_tenant(connection, definition)
    schema = tenant_schema_name(slug)
    loading = Stopwatch()
    async with engine.begin() as connection:
        await connection.execute(text(_load(schema)))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'VACUUM ANALYZE "{schema}".transactions'))
    load_seconds = loading.seconds
    async with engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    assert tenant is not None
    async with tenant_connection(engine, tenant) as connection:
        made = await create_key(
            connection, Officer("bench", "Bench admin"), name="Bench CRM", scope=KeyScope.WRITE, services=None,
            expires_at=None,
        )  # fmt: skip

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=bench.url, data_dir=Path(data_dir), tenant_cache_seconds=60.0, log_level="WARNING"
        )
        app = create_app(settings, build_services(settings, bench.database))
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {made.secret}"}
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{slug}.localhost") as client:
            pace = Pace(RATE_PER_SECOND * 0.9)

            async def timed(
                method: str,
                path: str,
                *,
                params: dict[str, str | int] | None = None,
                json: dict[str, str] | None = None,
                extra: dict[str, str] | None = None,
            ) -> tuple[float, httpx.Response]:
                await pace.wait()
                watch = Stopwatch()
                answer = await client.request(
                    method, path, params=params, json=json, headers={**headers, **(extra or {})}
                )
                assert answer.status_code < 300, answer.text
                return watch.seconds, answer

            first_page = (await timed("GET", "/api/v1/system/requests?limit=200"))[1].json()
            middle = (datetime.now(UTC) - timedelta(days=DAYS // 2)).isoformat()
            middle_cursor = (await timed("GET", "/api/v1/system/requests", params={"since": middle, "limit": 1}))[1]
            cursor = middle_cursor.json()["next_cursor"]
            last_hour = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            cases: list[tuple[str, str, str, dict[str, str | int]]] = [
                ("Changes, first page of 200", "GET", "/api/v1/system/requests", {"limit": 200}),
                ("Changes, 200 from mid-way (cursor)", "GET", "/api/v1/system/requests",
                 {"limit": 200, "cursor": cursor}),
                ("Changes in the last hour", "GET", "/api/v1/system/requests",
                 {"limit": 200, "since": last_hour}),
            ]  # fmt: skip
            for name, method, path, params in cases:
                samples = [(await timed(method, path, params=params))[0] for _ in range(SAMPLES)]
                rows.append(_row(name, samples))
            references = [item["reference"] for item in first_page["items"]][:SAMPLES]
            reads = [(await timed("GET", f"/api/v1/system/requests/{ref}"))[0] for ref in references]
            rows.append(_row("Read one request", reads))
            moves, replays, updates = [], [], []
            for number, reference in enumerate(references):
                body = {"status": "in_progress", "reason": "Crew booked", "external_reference": f"CRM-{number}"}
                key = {"Idempotency-Key": f"bench-move-{number}"}
                moves.append(
                    (await timed("POST", f"/api/v1/system/requests/{reference}/status", json=body, extra=key))[0]
                )
                replays.append(
                    (await timed("POST", f"/api/v1/system/requests/{reference}/status", json=body, extra=key))[0]
                )
                update = {"Idempotency-Key": f"bench-update-{number}"}
                updates.append(
                    (
                        await timed(
                            "POST",
                            f"/api/v1/system/requests/{reference}/updates",
                            json={"text": "On site"},
                            extra=update,
                        )
                    )[0]
                )
            rows.append(_row("Move a request on (Idempotency-Key)", moves))
            rows.append(_row("The same move replayed", replays))
            rows.append(_row("Add a public update", updates))

    table = Table(title=f"System API at a council of {ROWS:,} requests (loaded in {load_seconds:.0f} s), ms")
    for column in ("call", "median", "p95", f"p95 < {TARGET_P95_MS:.0f} ms"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table
