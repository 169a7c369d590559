"""Heavy pages (the staff queue, savings reports, Open311's listings) are made a few at a time in each
worker, so a pile of them never makes residents wait; and a slow one holds the others up no longer than
the longest wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text

from civicshare.db.engine import Database
from civicshare.db.metadata import tenant_schema_name
from civicshare.settings import Settings
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, host_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
REQUESTS = "/open311/v2/requests.json"


def _served(settings: Settings, database_url: str, longest_wait_ms: int) -> Iterator[ServedPlatform]:
    one_at_once = settings.model_copy(
        update={"heavy_requests_at_once": 1, "heavy_request_longest_wait_ms": longest_wait_ms}
    )
    platform = ServedPlatform(one_at_once, database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def patient(settings: Settings, database_url: str) -> Iterator[ServedPlatform]:
    yield from _served(settings, database_url, longest_wait_ms=60_000)


@pytest.fixture
def hurried(settings: Settings, database_url: str) -> Iterator[ServedPlatform]:
    yield from _served(settings, database_url, longest_wait_ms=200)


@asynccontextmanager
async def a_listing_held_up(
    http: httpx.AsyncClient, database: Database, make_council: CouncilFactory
) -> AsyncIterator[str]:
    """One council's listing held up in PostgreSQL (its requests locked, as a long migration would), taking
    the worker's one turn; yields another council, whose listing PostgreSQL would answer at once."""
    slow, other = (await make_council(**HIGHWAYS)).slug, (await make_council(**HIGHWAYS)).slug
    async with database.engine.connect() as connection, connection.begin():
        await connection.execute(text(f'LOCK TABLE "{tenant_schema_name(slow)}".transactions IN ACCESS EXCLUSIVE MODE'))
        holding = asyncio.create_task(http.get(REQUESTS, headers=host_for(slow)))
        await asyncio.sleep(0.5)
        yield other
        assert not holding.done()
    assert (await holding).status_code == 200


async def test_a_heavy_page_waits_its_turn_while_residents_are_answered_at_once(
    patient: ServedPlatform, database: Database, make_council: CouncilFactory
) -> None:
    async with httpx.AsyncClient(base_url=patient.url, timeout=60) as http:
        async with a_listing_held_up(http, database, make_council) as other:
            waiting = asyncio.create_task(http.get(REQUESTS, headers=host_for(other)))

            home = await http.get("/", headers={**host_for(other), "Accept": "text/html"})
            assert home.status_code == 200  # a resident's page is not heavy: answered at once
            done, _ = await asyncio.wait({waiting}, timeout=2)
            assert not done, "the second listing ran beside the first: it should wait for its turn"

        assert (await waiting).status_code == 200


async def test_a_slow_heavy_page_holds_the_next_up_no_longer_than_the_longest_wait(
    hurried: ServedPlatform, database: Database, make_council: CouncilFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        httpx.AsyncClient(base_url=hurried.url, timeout=60) as http,
        a_listing_held_up(http, database, make_council) as other,
    ):
        listed = await asyncio.wait_for(http.get(REQUESTS, headers=host_for(other)), timeout=30)
        assert listed.status_code == 200 and listed.json() == []  # made without a turn; the first held up

    told = [record for record in caplog.records if record.name == "civicshare.http.heavy_lane"]
    assert [record.getMessage() for record in told] == ["heavy pages made without waiting for a turn"]
