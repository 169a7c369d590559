"""`civicshare worker --processes 2`: the job worker and one delivery process beside it. A council's
webhooks arrive signed, a delivery process that dies is replaced, and stopping the worker stops both."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from civicshare.casework.service import Officer
from civicshare.db.engine import Database, tenant_connection
from civicshare.notifications.webhooks.config import secret_box
from civicshare.notifications.webhooks.endpoints import register
from civicshare.settings import load_settings
from civicshare.transactions.service import NewTransaction, create_transactions_committed
from tests.cli.serving import CIVICSHARE, children, is_running
from tests.conftest import CouncilFactory
from tests.notifications.receiver import EventReceiver
from tests.support import tenant_context_for


async def eventually(condition: Callable[[], object], seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.1)


def start_worker(environment: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [CIVICSHARE, "worker", "--processes", "2"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def streetlight(number: int) -> NewTransaction:
    return NewTransaction(
        module="highways",
        service="report-streetlight",
        channel="web",
        status="submitted",
        answers={"location_description": f"Lamp {number}", "fault": "out"},
        idempotency_key=uuid.uuid4().hex,
    )


async def test_a_worker_of_two_processes_delivers_replaces_a_dead_one_and_stops_whole(
    database: Database, database_url: str, make_council: CouncilFactory, receiver: EventReceiver, tmp_path: Path
) -> None:
    definition = await make_council(modules={"highways": {"enabled": True}})
    tenant = await tenant_context_for(database, definition.slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await register(
            connection,
            secret_box(load_settings()),
            Officer("t", "t"),
            url=receiver.url,
            description="CRM",
            event_types=None,
        )
    environment = {
        **os.environ,
        "CIVICSHARE_DATABASE_URL": database_url,
        "CIVICSHARE_DATA_DIR": str(tmp_path),
        "CIVICSHARE_LOG_LEVEL": "WARNING",
        "CIVICSHARE_DB_POOL_SIZE": "2",
    }
    worker = start_worker(environment)
    try:
        await eventually(lambda: len(children(worker.pid)) == 1)  # the delivery process beside the worker
        (first,) = children(worker.pid)
        await create_transactions_committed(database.engine, tenant, [streetlight(number) for number in range(40)])
        await eventually(lambda: len(receiver.ids()) == 40)
        assert all(event["signed"] for event in receiver.received)

        os.kill(first, signal.SIGKILL)
        seen: set[int] = set()

        def replaced() -> bool:
            # One reading of /proc both checks and names the replacement: read twice, the two could differ.
            seen.clear()
            seen.update(children(worker.pid))
            return len(seen) == 1 and first not in seen

        await eventually(replaced)
        (second,) = seen
        # The replacement delivers what comes after.
        more = [streetlight(number) for number in range(40, 50)]
        await create_transactions_committed(database.engine, tenant, more)
        await eventually(lambda: len(receiver.ids()) == 50)

        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        await eventually(lambda: not is_running(second), seconds=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
