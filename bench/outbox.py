"""The outbox: submit throughput with its events and without, in the same run, and the rate a job worker
delivers events to a local HTTP receiver.

Submit: the submission statement exactly as the submit route sends it (`create_statement`, through the
driver), one submission per statement from WRITERS concurrent writers over COUNCILS councils, for
SECONDS per round, rounds alternating with and without the outbox event (ROUNDS each, median shown),
while a connection LISTENs on the outbox channel as a job worker's relay does. One submission per
statement is the outbox's worst case: grouped submissions share the NOTIFY and the commit.
Target: with events at most 10% lower.

Delivery: a job worker as `civicshare worker` runs one (`bench.outbox_worker`: procrastinate, the relay
and the dispatcher, the platform's webhook subscriber, each council with one endpoint), in PROCESSES
processes (one per CPU, as the command's default; BENCH_OUTBOX_PROCESSES=N to choose), a receiver
(`bench.outbox_receiver`, uvicorn, counting distinct webhook-ids) in another; after a warm-up, EVENTS
submissions are written over the councils, as a backlog (each council's share in one statement) and
32 at a time, and the time until the receiver holds every event gives the rate (DELIVERY_ROUNDS of
each). Target: faster than the submit rate with events, so the queue never grows under the submit
load; the worker's CPU seconds per 1,000 deliveries are summed over its processes. Last, what
the dispatcher delivers in-process to a subscriber that does nothing: the ceiling of the queue itself,
the rest being the webhooks' own work (their log, signing, HTTP) and the receiver.

    .venv/bin/python -m bench outbox
    BENCH_OUTBOX_PROFILE=/tmp/worker.pstats .venv/bin/python -m bench outbox   # and the worker's CPU profile
    BENCH_OUTBOX_PYSPY=/tmp/worker.json .venv/bin/python -m bench outbox  # sampled by py-spy (speedscope)

The worker's and the receiver's CPU seconds per 1,000 deliveries (from /proc) are shown too: unlike
the rates, they hardly change when other work shares the machine.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from rich.table import Table

from bench.harness import BenchDatabase, verdict
from bench.outbox_worker import bench_settings
from civicshare.casework.service import Officer
from civicshare.db.driver import CouncilStatement
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.delivery_processes import processes_wanted
from civicshare.notifications.dispatcher import DispatchSettings, dispatch_council
from civicshare.notifications.events import OutboxEvent
from civicshare.notifications.retries import RetryPolicy
from civicshare.notifications.tables import NOTIFY_CHANNEL
from civicshare.notifications.webhooks import endpoints
from civicshare.notifications.webhooks.config import secret_box
from civicshare.settings import PROJECT_ROOT
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.records import load_tenant_context
from civicshare.tenancy.service import onboard_tenant
from civicshare.transactions.service import (
    NewTransaction,
    _create_parameters,
    create_statement,
    create_transactions_committed,
)

COUNCILS = 8
WRITERS = 16
ROUNDS = 3
SECONDS = 4
EVENTS = 5000
GROUP = 32
DELIVERY_ROUNDS = 2
# A worker is `civicshare worker` as deployed: one process per CPU unless told otherwise.
PROCESSES = int(os.environ.get("BENCH_OUTBOX_PROCESSES") or processes_wanted(0))


def _streetlight(number: int) -> NewTransaction:
    return NewTransaction(
        module="highways",
        service="report-streetlight",
        channel="web",
        status="submitted",
        answers={"location_description": f"Lamp {number}", "fault": "out"},
        contact_email="bench@example.org",
        idempotency_key=uuid.uuid4().hex,
    )


async def _councils(database: BenchDatabase) -> list[TenantContext]:
    found = []
    for number in range(COUNCILS):
        definition = TenantDefinition.model_validate(
            {
                "slug": f"bench-{uuid.uuid4().hex[:6]}",
                "name": f"Bench Council {number}",
                "gss_code": f"E09{uuid.uuid4().int % 10**6:06d}",
                "reference_prefix": "".join(chr(ord("A") + (uuid.uuid4().int >> s) % 26) for s in (0, 5, 10, 15, 20)),
                "modules": {"highways": {"enabled": True}},
            }
        )
        async with database.database.engine.begin() as connection:
            await onboard_tenant(connection, definition)
            tenant = await load_tenant_context(connection, definition.slug)
        assert tenant is not None
        found.append(tenant)
    return found


async def _submit_rate(database: BenchDatabase, councils: list[TenantContext], statement: CouncilStatement) -> float:
    engine = database.database.engine
    stop = time.perf_counter() + SECONDS
    counter = iter(range(10**9))

    async def writer(index: int) -> int:
        done = 0
        while time.perf_counter() < stop:
            tenant = councils[(index + done) % len(councils)]
            await statement.fetch_all(engine, tenant.schema, _create_parameters(tenant, [_streetlight(next(counter))]))
            done += 1
        return done

    started = time.perf_counter()
    written = sum(await asyncio.gather(*(writer(index) for index in range(WRITERS))))
    return written / (time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _received(client: httpx.AsyncClient, url: str) -> int:
    return int((await client.get(url)).text.split()[0])


def _cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User and system CPU time the process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spy_on(process: subprocess.Popen[bytes], to: str) -> None:
    """py-spy (`uv pip install py-spy`) samples the process until it ends, to a speedscope file."""
    py_spy = str(Path(sys.executable).parent / "py-spy")
    subprocess.Popen([py_spy, "record", "-p", str(process.pid), "-o", to, "-f", "speedscope", "-r", "200"])


def _start(arguments: list[str]) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "CIVICSHARE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, *arguments], cwd=PROJECT_ROOT, env=environment)


@dataclass(frozen=True)
class DeliveryRun:
    delivered_per_second: float
    written_per_second: float
    worker_cpu_per_thousand: float
    receiver_cpu_per_thousand: float


async def _write(database: BenchDatabase, councils: list[TenantContext], group: int) -> None:
    for start in range(0, EVENTS, group):
        news = [_streetlight(number) for number in range(start, min(start + group, EVENTS))]
        await create_transactions_committed(database.database.engine, councils[start // group % COUNCILS], news)


async def _deliver(
    database: BenchDatabase,
    councils: list[TenantContext],
    client: httpx.AsyncClient,
    url: str,
    processes: list[subprocess.Popen[bytes]],
    group: int,
) -> DeliveryRun:
    """EVENTS submissions written in groups of `group`; how fast the receiver has them all."""
    worker, receiver = processes[:-1], processes[-1]
    had = await _received(client, url)
    cpu_before = sum(map(_cpu_seconds, worker)), _cpu_seconds(receiver)
    started = time.perf_counter()
    await _write(database, councils, group)
    written = time.perf_counter() - started
    while True:
        if await _received(client, url) >= had + EVENTS:
            break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    worker_cpu = sum(map(_cpu_seconds, worker)) - cpu_before[0]
    receiver_cpu = _cpu_seconds(receiver) - cpu_before[1]
    return DeliveryRun(EVENTS / elapsed, EVENTS / written, worker_cpu / EVENTS * 1000, receiver_cpu / EVENTS * 1000)


async def _delivery_rates(database: BenchDatabase, councils: list[TenantContext]) -> list[tuple[str, DeliveryRun]]:
    """The worker's processes deliver: first a backlog (each council's share written in one statement,
    so the worker starts with all of it waiting), then submissions written in groups of GROUP as it goes."""
    port = _free_port()
    receiver = _start(["-m", "uvicorn", "bench.outbox_receiver:app", "--port", str(port), "--log-level", "warning"])
    url = f"http://127.0.0.1:{port}/events"
    async with database.database.engine.begin() as connection:
        for tenant in councils:
            await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: tenant.schema})
            await endpoints.register(
                connection,
                secret_box(bench_settings(database.url)),
                Officer("bench", "bench"),
                url=url,
                description="bench receiver",
                event_types=None,
            )
    worker = [_start(["-m", "bench.outbox_worker", database.url])]
    worker += [_start(["-m", "bench.outbox_worker", database.url, "--deliveries-only"]) for _ in range(PROCESSES - 1)]
    if spy_to := os.environ.get("BENCH_OUTBOX_PYSPY"):
        _spy_on(worker[0], spy_to)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(100):
                try:
                    await _received(client, url)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            await asyncio.sleep(4)  # the worker connects and sweeps the (empty) councils
            await _deliver(database, councils, client, url, [*worker, receiver], GROUP)  # warm-up
            runs = []
            for _ in range(DELIVERY_ROUNDS):
                runs.append(
                    (
                        "a backlog",
                        await _deliver(database, councils, client, url, [*worker, receiver], -(-EVENTS // COUNCILS)),
                    )
                )
                runs.append(
                    (
                        f"written {GROUP} at a time",
                        await _deliver(database, councils, client, url, [*worker, receiver], GROUP),
                    )
                )
            return runs
    finally:
        for process in (*worker, receiver):
            process.terminate()
            process.wait(timeout=20)


class _Discarding:
    """A subscriber that does nothing: what the queue and the dispatcher alone can deliver."""

    name = "bench-discard"

    async def handle(self, event: OutboxEvent) -> None:
        return None


async def _dispatch_ceiling(database: BenchDatabase, councils: list[TenantContext]) -> float:
    for start in range(0, EVENTS, GROUP):
        news = [_streetlight(number) for number in range(start, min(start + GROUP, EVENTS))]
        await create_transactions_committed(database.database.engine, councils[start // GROUP % COUNCILS], news)
    settings = DispatchSettings(policy=RetryPolicy())
    started = time.perf_counter()
    done = await asyncio.gather(
        *(dispatch_council(database.database.engine, tenant, [_Discarding()], settings) for tenant in councils)
    )
    return sum(found.delivered for found in done) / (time.perf_counter() - started)


async def run_benchmark(database: BenchDatabase) -> Table:
    councils = await _councils(database)
    with_events = CouncilStatement(create_statement(with_events=True))
    without_events = CouncilStatement(create_statement(with_events=False))
    listener = await asyncpg.connect(database.url.replace("postgresql+asyncpg://", "postgresql://"))
    await listener.add_listener(NOTIFY_CHANNEL, lambda *_: None)
    rates: dict[bool, list[float]] = {True: [], False: []}
    try:
        await _submit_rate(database, councils, with_events)  # warm-up
        for _ in range(ROUNDS):
            for events in (True, False):
                rates[events].append(await _submit_rate(database, councils, with_events if events else without_events))
    finally:
        await listener.close()
    submit_with, submit_without = statistics.median(rates[True]), statistics.median(rates[False])
    runs = await _delivery_rates(database, councils)
    ceiling = await _dispatch_ceiling(database, councils)

    table = Table(title=f"outbox: {COUNCILS} councils, {WRITERS} writers, {ROUNDS} rounds of {SECONDS} s each way")
    for column in ("measure", "per second", "range", "target", "verdict"):
        table.add_column(column)
    spread = {events: f"{min(found):.0f}-{max(found):.0f}" for events, found in rates.items()}
    table.add_row("submit, without events", f"{submit_without:.0f}", spread[False], "", "")
    lower = 1 - submit_with / submit_without
    table.add_row(
        "submit, with events",
        f"{submit_with:.0f}",
        spread[True],
        f"at most 10% lower ({lower:.1%})",
        verdict(lower <= 0.10),
    )
    for kind in ("a backlog", f"written {GROUP} at a time"):
        found = [run for name, run in runs if name == kind]
        delivered = [run.delivered_per_second for run in found]
        written = statistics.median(run.written_per_second for run in found)
        table.add_row(
            f"delivered by one worker ({PROCESSES} processes), {EVENTS} events, {kind}",
            f"{statistics.median(delivered):.0f} ({statistics.median(delivered) / submit_with:.2f}x)",
            f"{min(delivered):.0f}-{max(delivered):.0f}, written at {written:.0f}/s",
            "faster than submit with events",
            verdict(min(delivered) > submit_with),
        )
        table.add_row(
            f"  CPU seconds per 1,000 deliveries ({kind}): the worker / the receiver",
            f"{statistics.median(run.worker_cpu_per_thousand for run in found):.2f} / "
            f"{statistics.median(run.receiver_cpu_per_thousand for run in found):.2f}",
            "",
            "",
            "",
        )
    table.add_row(f"dispatched in-process, subscriber doing nothing ({EVENTS})", f"{ceiling:.0f}", "", "", "")
    return table
