"""How fast the "email" subscriber emails residents: events handled per second against a real SMTP
server on loopback (aiosmtpd), one at a time and eight at once, and what handling an event again
(already sent) costs.

Run: `.venv/bin/python -m bench resident_email`.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from rich.table import Table
from sqlalchemy import update

from bench.harness import BenchDatabase
from civicshare.app import build_services, discover_modules
from civicshare.db.engine import tenant_connection
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.settings import Settings
from civicshare.tenancy.records import load_tenant_context
from civicshare.tenancy.service import onboard_tenant
from civicshare.tenancy.tables import tenants
from civicshare.transactions.service import NewTransaction, create_transaction
from tests.support import council_definition

EVENTS = 400


class _Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _references(bench: BenchDatabase, slug: str, count: int) -> list[str]:
    async with bench.database.engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    assert tenant is not None
    references = []
    async with tenant_connection(bench.database.engine, tenant) as connection:
        for number in range(count):
            row = await create_transaction(
                connection,
                tenant,
                NewTransaction(
                    module="highways", service="report-pothole", channel="web", status="received",
                    answers={"description": f"pothole {number}"}, contact_email=f"resident{number}@example.org",
                    submitter_kind="anonymous",
                ),
            )  # fmt: skip
            references.append(str(row["reference"]))
    return references


async def run_benchmark(bench: BenchDatabase) -> Table:
    definition = council_definition(modules={"highways": {"enabled": True}})
    async with bench.database.engine.begin() as connection:
        await onboard_tenant(connection, definition)
        await connection.execute(update(tenants).where(tenants.c.slug == definition.slug).values(mode="live"))
    references = await _references(bench, definition.slug, 2 * EVENTS)
    inbox, port = _Count(), _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    table = Table("run", "events", "seconds", "emails per second", "median ms per event")
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(database_url=bench.url, data_dir=Path(data_dir), smtp_port=port, log_level="WARNING")
            services = build_services(settings, bench.database, registry=discover_modules())
            emails = ResidentEmails.from_services(services)

            def event(number: int, reference: str) -> OutboxEvent:
                return OutboxEvent(
                    number, definition.slug, EventKind.SUBMITTED, reference, "report-pothole", datetime.now(UTC)
                )

            async def timed(batch: list[OutboxEvent], at_once: int) -> tuple[float, list[float]]:
                gate, each = asyncio.Semaphore(at_once), []

                async def one(item: OutboxEvent) -> None:
                    async with gate:
                        started = time.perf_counter()
                        await emails.handle(item)
                        each.append(time.perf_counter() - started)

                started = time.perf_counter()
                await asyncio.gather(*(one(item) for item in batch))
                return time.perf_counter() - started, sorted(each)

            first = [event(n, ref) for n, ref in enumerate(references[:EVENTS])]
            second = [event(EVENTS + n, ref) for n, ref in enumerate(references[EVENTS:])]
            for name, batch, at_once in (
                ("one at a time", first, 1),
                ("eight at once", second, 8),
                ("again (already sent)", first, 8),
            ):
                seconds, each = await timed(batch, at_once)
                table.add_row(
                    name, str(len(batch)), f"{seconds:.2f}", f"{len(batch) / seconds:.0f}",
                    f"{each[len(each) // 2] * 1000:.1f}",
                )  # fmt: skip
            assert inbox.received == 2 * EVENTS, inbox.received
    finally:
        server.stop()
    return table
