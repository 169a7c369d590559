"""Two app nodes serve the same councils; a change made anywhere (a council suspended, a service turned
off) reaches the other node within a second, told by PostgreSQL's NOTIFY, not by its periodic check
(set here to an hour so that only the announcement can explain it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text, update

from civicshare.db.engine import Database
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.service import change_status
from civicshare.tenancy.tables import tenant_modules
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, host_for, tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}


@pytest.fixture(scope="module")
def two_nodes(settings: Settings, database: Database, database_url: str) -> Iterator[tuple[str, str]]:
    patient = settings.model_copy(update={"tenant_cache_seconds": 3600})
    nodes = [ServedPlatform(patient, database_url), ServedPlatform(patient, database_url)]
    for node in nodes:
        node.start()
    yield nodes[0].url, nodes[1].url
    for node in nodes:
        node.stop()


async def _within_a_second(client: httpx.AsyncClient, path: str, slug: str, status: int) -> float:
    began = time.monotonic()
    while (response := await client.get(path, headers=host_for(slug))).status_code != status:
        assert time.monotonic() - began < 1.0, f"still {response.status_code} after a second: {response.text}"
        await asyncio.sleep(0.02)
    return time.monotonic() - began


async def test_a_council_suspended_through_one_node_is_refused_by_the_other_within_a_second(
    two_nodes: tuple[str, str], database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council(**HIGHWAYS)
    first, second = (httpx.AsyncClient(base_url=url, timeout=10) for url in two_nodes)
    async with first, second:
        for node in (first, second):  # both nodes have the council in their copy of the directory
            assert (await node.get("/api/v1/services", headers=host_for(council.slug))).status_code == 200
        async with database.engine.begin() as connection:
            await change_status(connection, council.slug, TenantStatus.SUSPENDED)
        await _within_a_second(second, "/api/v1/services", council.slug, 503)
        async with database.engine.begin() as connection:
            await change_status(connection, council.slug, TenantStatus.ACTIVE)
        await _within_a_second(second, "/api/v1/services", council.slug, 200)


async def test_a_service_turned_off_disappears_from_the_other_node_within_a_second(
    two_nodes: tuple[str, str], database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council(**HIGHWAYS)
    tenant = await tenant_context_for(database, council.slug)
    path = "/api/v1/services/report-pothole"
    async with httpx.AsyncClient(base_url=two_nodes[1], timeout=10) as second:
        assert (await second.get(path, headers=host_for(council.slug))).status_code == 200
        async with database.engine.begin() as connection:
            await connection.execute(
                update(tenant_modules).where(tenant_modules.c.tenant_id == tenant.id).values(enabled=False)
            )
        await _within_a_second(second, path, council.slug, 404)


async def test_after_losing_its_listening_connection_a_node_hears_changes_again(
    two_nodes: tuple[str, str], database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council(**HIGHWAYS)
    async with httpx.AsyncClient(base_url=two_nodes[1], timeout=10) as second:
        assert (await second.get("/api/v1/services", headers=host_for(council.slug))).status_code == 200
        async with database.engine.begin() as connection:
            ended = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'civicshare-directory' AND datname = current_database()"
                )
            )
        assert ended >= 2  # one listener per node (and those of other apps serving this database)
        await asyncio.sleep(1.5)  # the listeners connect again (after half a second)
        assert (await second.get("/api/v1/services", headers=host_for(council.slug))).status_code == 200
        async with database.engine.begin() as connection:
            await change_status(connection, council.slug, TenantStatus.SUSPENDED)
        await _within_a_second(second, "/api/v1/services", council.slug, 503)
