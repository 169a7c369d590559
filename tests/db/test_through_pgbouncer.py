"""The platform works through PgBouncer in transaction pooling (PgBouncer 1.18, Debian's): a client's
transactions run on whichever server connection is free, so nothing may outlive a transaction on the
server, prepared statements included; the council is named in every statement, never in search_path."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from civicshare.app import build_services, create_app
from civicshare.db.embedded import EmbeddedServer
from civicshare.db.engine import Database, make_engine
from civicshare.db.pooler_connection import forget_descriptions
from civicshare.settings import Settings
from civicshare.tenancy.definitions import TenantDefinition
from tests.conftest import CouncilFactory
from tests.db.pgbouncer import PgBouncer, running_pgbouncer
from tests.support import host_for

STREETLIGHT = {"location_description": "Outside 4 Mill Lane", "fault": "out"}


@pytest.fixture(scope="module")
def pgbouncer(embedded_postgres: EmbeddedServer) -> Iterator[PgBouncer]:
    with running_pgbouncer(embedded_postgres, server_connections=2) as bouncer:
        yield bouncer


def pooled_url(pgbouncer: PgBouncer, database_url: str) -> str:
    name = make_url(database_url).database
    assert name is not None
    return pgbouncer.url(name)


async def _a_statement_prepared_on_one_server_connection_then_run_on_another(engine_url: str, pooled: bool) -> None:
    engine = make_engine(engine_url, pool_size=2, transaction_pooling=pooled)
    try:
        async with engine.connect() as first, engine.connect() as second:
            query = text("SELECT count(*) FROM platform.tenants WHERE slug <> :slug")
            await first.execute(query, {"slug": "x"})  # prepared on server connection A
            await first.commit()
            await second.execute(text("SELECT 1"))  # takes A and keeps it: its transaction stays open
            await first.execute(query, {"slug": "y"})  # runs on server connection B
            await first.commit()
            await second.commit()
    finally:
        await engine.dispose()


async def test_statements_cached_across_transactions_break_behind_the_pooler(
    pgbouncer: PgBouncer, database_url: str, database: Database
) -> None:
    with pytest.raises(DBAPIError, match="prepared statement"):
        await _a_statement_prepared_on_one_server_connection_then_run_on_another(
            pooled_url(pgbouncer, database_url), pooled=False
        )


async def test_with_transaction_pooling_set_nothing_is_cached_across_transactions(
    pgbouncer: PgBouncer, database_url: str, database: Database
) -> None:
    await _a_statement_prepared_on_one_server_connection_then_run_on_another(
        pooled_url(pgbouncer, database_url), pooled=True
    )


@pytest.fixture
async def through_pgbouncer(
    settings: Settings, pgbouncer: PgBouncer, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    url = pooled_url(pgbouncer, database_url)
    pooled = settings.model_copy(
        update={"database_url": url, "database_transaction_pooling": True, "database_direct_url": database_url}
    )
    database = Database(
        make_engine(url, pool_size=8, transaction_pooling=True), url, transaction_pooling=True, direct_url=database_url
    )
    services = build_services(pooled, database)
    app: Any = create_app(pooled, services)  # an ASGI app; its scope types are narrower than httpx says
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30) as client:
        yield client
    await database.dispose()


async def _submit(client: httpx.AsyncClient, council: TenantDefinition, email: str) -> str:
    response = await client.post(
        "/api/v1/services/report-streetlight/transactions",
        json={"answers": STREETLIGHT, "channel": "web", "contact_email": email},
        headers={**host_for(council.slug), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


async def test_two_councils_served_through_pgbouncer_each_see_only_their_own_requests(
    through_pgbouncer: httpx.AsyncClient, make_council: CouncilFactory, tmp_path: Path
) -> None:
    highways = {"highways": {"enabled": True, "settings": {}}}
    first, second = await make_council(modules=highways), await make_council(modules=highways)
    # 8 request connections and 4 lookups share PgBouncer's 2 server connections, turn by turn.
    sent = await asyncio.gather(
        *(
            _submit(through_pgbouncer, council, f"resident{number}@example.org")
            for number in range(40)
            for council in ((first, second)[number % 2],)
        )
    )
    assert len(set(sent)) == 40
    for number, reference in enumerate(sent):
        mine, other = ((first, second), (second, first))[number % 2]
        email = f"resident{number}@example.org"
        found = await through_pgbouncer.get(
            f"/api/v1/transactions/{reference}", params={"email": email}, headers=host_for(mine.slug)
        )
        assert found.status_code == 200, found.text
        assert found.json()["reference"] == reference
        elsewhere = await through_pgbouncer.get(
            f"/api/v1/transactions/{reference}", params={"email": email}, headers=host_for(other.slug)
        )
        assert elsewhere.status_code == 404


@pytest.fixture
def descriptions_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements PostgreSQL was asked to describe (a round trip of their own through the pooler)."""
    asked: list[str] = []
    describe = asyncpg.Connection._get_statement

    async def counting(self: asyncpg.Connection, query: str, *arguments: Any, **options: Any) -> Any:
        statement = await describe(self, query, *arguments, **options)
        asked.append(query)
        return statement

    forget_descriptions()
    monkeypatch.setattr(asyncpg.Connection, "_get_statement", counting)
    yield asked
    forget_descriptions()


async def test_a_statement_is_described_once_then_run_in_one_round_trip_on_any_connection(
    pgbouncer: PgBouncer, database_url: str, database: Database, descriptions_asked: list[str]
) -> None:
    engine = make_engine(pooled_url(pgbouncer, database_url), pool_size=2, transaction_pooling=True)
    query = text("SELECT count(*) FROM platform.tenants WHERE slug <> :slug")
    try:
        async with engine.connect() as first, engine.connect() as second:
            counts = [
                (await connection.execute(query, {"slug": slug})).scalar_one()
                for connection, slug in ((first, "a"), (second, "b"), (first, "c"), (second, "d"))
            ]
            await first.commit()
            await second.commit()
    finally:
        await engine.dispose()

    assert len(set(counts)) == 1
    assert len([asked for asked in descriptions_asked if "platform.tenants" in asked]) == 1


async def test_a_column_whose_type_changed_is_read_right_once_its_statement_failed(
    pgbouncer: PgBouncer, database_url: str, database: Database, descriptions_asked: list[str]
) -> None:
    table = f"typed_{uuid.uuid4().hex[:8]}"
    engine = make_engine(pooled_url(pgbouncer, database_url), pool_size=1, transaction_pooling=True)
    query = text(f"SELECT amount FROM public.{table}")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f"CREATE TABLE public.{table} (amount integer)"))
            await connection.execute(text(f"INSERT INTO public.{table} VALUES (7)"))
            await connection.commit()
            assert (await connection.execute(query)).scalar_one() == 7
            await connection.commit()
            await connection.execute(text(f"ALTER TABLE public.{table} ALTER COLUMN amount TYPE text"))
            await connection.execute(text(f"UPDATE public.{table} SET amount = 'seven pounds'"))
            await connection.commit()
            read = []
            for _ in range(2):
                try:
                    read.append((await connection.execute(query)).scalar_one())
                except (DBAPIError, BufferError):  # read with the integer's codec: the description is dropped
                    read.append("failed")
                await connection.rollback()
            await connection.execute(text(f"DROP TABLE public.{table}"))
            await connection.commit()
    finally:
        await engine.dispose()

    assert read[-1] == "seven pounds"
