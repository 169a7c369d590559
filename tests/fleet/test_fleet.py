"""A fleet on one machine: two app nodes through a real PgBouncer serve the same councils, and stopping
the fleet stops every part of it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url

from civicshare.db.listening import driver_dsn
from civicshare.fleet.database import PgBouncer, RunningServer, free_port, wait_for_port
from civicshare.fleet.parts import Part, Together, running_fleet
from civicshare.fleet.processes import AppNode
from tests.conftest import CouncilFactory
from tests.db.pgbouncer import require_pgbouncer
from tests.support import host_for

STREETLIGHT = {"location_description": "Outside 4 Mill Lane", "fault": "out"}


@pytest.fixture
def pgbouncer_installed() -> None:
    require_pgbouncer()


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


async def test_two_nodes_behind_pgbouncer_serve_one_council_and_stop_with_the_fleet(
    pgbouncer_installed: None, database_url: str, make_council: CouncilFactory, tmp_path: Path
) -> None:
    council = await make_council(modules={"highways": {"enabled": True, "settings": {}}})
    environment = {
        "CIVICSHARE_MODE": "development",
        "CIVICSHARE_DATA_DIR": str(tmp_path),
        "CIVICSHARE_LOG_LEVEL": "WARNING",
        "CIVICSHARE_DB_POOL_SIZE": "2",
    }
    bouncer = PgBouncer(server_connections=2)
    nodes = [AppNode(f"node-{n}", free_port(), tmp_path / "logs", environment=environment) for n in (1, 2)]
    parts: list[Part] = [RunningServer(database_url), bouncer, Together("platform", list(nodes))]
    with running_fleet(parts) as fleet:
        database = str(make_url(database_url).database)
        assert fleet.environment["CIVICSHARE_DATABASE_URL"] == bouncer.url(database)
        # The nodes on this machine go through PgBouncer's Unix socket; its port still answers tools.
        assert make_url(bouncer.url(database)).query["host"] == str(bouncer.directory)
        tool = await asyncpg.connect(driver_dsn(bouncer.tcp_url(database)), statement_cache_size=0)
        try:
            assert await tool.fetchval("SELECT 41 + 1") == 42
        finally:
            await tool.close()
        assert [name for name, _ in fleet.rows()] == ["postgresql", "pgbouncer", "node-1", "node-2"]
        async with httpx.AsyncClient(timeout=30) as client:
            for node in nodes:
                page = await client.get(f"{node.url}/", headers=host_for(council.slug))
                assert page.status_code == 200
                assert council.name in page.text
            sent = await client.post(
                f"{nodes[0].url}/api/v1/services/report-streetlight/transactions",
                json={"answers": STREETLIGHT, "channel": "web", "contact_email": "resident@example.org"},
                headers={**host_for(council.slug), "Idempotency-Key": uuid.uuid4().hex},
            )
            assert sent.status_code == 201, sent.text
            reference = sent.json()["reference"]
            tracked = await client.get(
                f"{nodes[1].url}/api/v1/transactions/{reference}",
                params={"email": "resident@example.org"},
                headers=host_for(council.slug),
            )
            assert tracked.status_code == 200, tracked.text
        processes = [node.process for node in nodes] + [bouncer.process]
    assert all(process is not None and process.poll() is not None for process in processes)
    assert all(_refused(port) for port in (nodes[0].port, nodes[1].port, bouncer.port or 0))


async def test_pgbouncer_replaces_its_server_connections_after_their_lifetime(
    pgbouncer_installed: None, database_url: str
) -> None:
    """A backend's caches grow with every council it serves: PgBouncer closes each server connection once
    `server_lifetime` has passed (ten minutes in the fleet; a second here), and the next client gets a
    new backend."""
    bouncer = PgBouncer(server_connections=1, server_lifetime=1)
    with running_fleet([RunningServer(database_url), bouncer]) as fleet:
        url = driver_dsn(fleet.environment["CIVICSHARE_DATABASE_URL"])

        async def backend() -> int:
            connection = await asyncpg.connect(url, statement_cache_size=0)
            try:
                return int(await connection.fetchval("SELECT pg_backend_pid()"))
            finally:
                await connection.close()

        first = await backend()
        later = []
        for _ in range(75):  # up to 15 s; PgBouncer's janitor retires it a second or two after its lifetime
            later.append(await backend())
            if later[-1] != first:
                break
            await asyncio.sleep(0.2)
    assert later[-1] != first, f"still backend {first} after {len(later)} connections"


def test_a_part_is_ready_only_once_its_unix_socket_answers_too(tmp_path: Path) -> None:
    """PgBouncer may listen on its port a moment before its socket file exists; the nodes connect to the
    socket, so the fleet waits for both (a test connecting at once failed once under load)."""
    with socket.socket() as port_listener:
        port_listener.bind(("127.0.0.1", 0))
        port_listener.listen()
        port = port_listener.getsockname()[1]
        path = tmp_path / ".s.PGSQL.test"
        with pytest.raises(RuntimeError, match="did not start listening"):
            wait_for_port(port, None, 0.3, "the part", unix_socket=path)

        late = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

        def open_late() -> None:
            late.bind(str(path))
            late.listen()

        opened = threading.Timer(0.3, open_late)
        opened.start()
        try:
            waited_from = time.monotonic()
            wait_for_port(port, None, 5, "the part", unix_socket=path)
            assert time.monotonic() - waited_from >= 0.25  # not before the socket answered
        finally:
            opened.join()
            late.close()
