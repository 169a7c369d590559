"""The hottest statements run as functions of each council's schema (`civicshare.db.statement_functions`):
made on first use by whichever node gets there first, each council's reading its own tables, made again
when a migration changes what it returns, and never on an engine that does not allow them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.casework.tables import teams
from civicshare.db.driver import CouncilStatement
from civicshare.db.engine import Database, make_engine, tenant_connection, tenant_reading
from civicshare.db.statement_functions import FUNCTION_PREFIX
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for


def _team_names() -> CouncilStatement:
    """A statement of its own for each test: its function is made by that test."""
    return CouncilStatement(
        select(teams.c.id, teams.c.name).where(teams.c.name != bindparam("left_out")).order_by(teams.c.name),
        kept_as_function=True,
    )


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two nodes' engines, each allowed to keep statements as functions."""
    first = make_engine(database_url, pool_size=4, statement_functions=True)
    second = make_engine(database_url, pool_size=4, statement_functions=True)
    yield first, second
    await first.dispose()
    await second.dispose()


async def _council_with_teams(database: Database, make_council: CouncilFactory, *names: str) -> str:
    definition = await make_council()
    tenant = await tenant_context_for(database, definition.slug)
    async with tenant_connection(database.engine, tenant) as connection:
        for name in names:
            await connection.execute(insert(teams).values(name=name))
    return tenant.schema


async def _functions_in(database: Database, schema: str) -> list[str]:
    async with database.engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = :schema AND starts_with(p.proname, :prefix)"
            ),
            {"schema": schema, "prefix": FUNCTION_PREFIX},
        )
        return [name for (name,) in found]


async def test_each_council_runs_its_own_function_made_on_first_use(
    database: Database, make_council: CouncilFactory, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    engine, _ = engines
    statement = _team_names()
    north = await _council_with_teams(database, make_council, "Highways north", "Waste north")
    south = await _council_with_teams(database, make_council, "Highways south")
    assert await _functions_in(database, north) == []

    found = await statement.fetch_all(engine, north, {"left_out": ""})
    assert [row["name"] for row in found] == ["Highways north", "Waste north"]
    assert [row["name"] for row in await statement.fetch_all(engine, south, {"left_out": ""})] == ["Highways south"]
    for _ in range(3):
        assert await statement.fetch_all(engine, north, {"left_out": ""}) == found
    assert len(await _functions_in(database, north)) == 1
    assert len(await _functions_in(database, south)) == 1


async def test_two_nodes_calling_it_first_at_once_make_it_once(
    database: Database, make_council: CouncilFactory, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    statement = _team_names()
    schema = await _council_with_teams(database, make_council, "Parking")
    answers = await asyncio.gather(*(statement.fetch_all(engine, schema, {"left_out": ""}) for engine in engines * 4))
    assert all([row["name"] for row in answer] == ["Parking"] for answer in answers)
    assert len(await _functions_in(database, schema)) == 1


async def test_a_function_whose_result_no_longer_matches_its_statement_is_made_again(
    database: Database, make_council: CouncilFactory, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    engine, _ = engines
    statement = _team_names()
    schema = await _council_with_teams(database, make_council, "Street lighting")
    assert [row["name"] for row in await statement.fetch_all(engine, schema, {"left_out": ""})] == ["Street lighting"]
    (name,) = await _functions_in(database, schema)
    async with database.engine.begin() as connection:  # as an older release's tables had it: one column
        body = (await connection.execute(text(f"SELECT prosrc FROM pg_proc WHERE proname = '{name}'"))).scalar_one()
        await connection.execute(text(f'DROP FUNCTION "{schema}".{name}'))
        await connection.execute(text("SET LOCAL check_function_bodies = off"))
        await connection.execute(
            text(
                f'CREATE FUNCTION "{schema}".{name}(varchar) RETURNS TABLE (id bigint) LANGUAGE sql '
                f"AS $fake$ {body} $fake$"
            )
        )
    assert [row["name"] for row in await statement.fetch_all(engine, schema, {"left_out": ""})] == ["Street lighting"]
    assert await _functions_in(database, schema) == [name]


async def test_an_engine_that_does_not_allow_them_runs_the_statement(
    database: Database, make_council: CouncilFactory, database_url: str
) -> None:
    plain = make_engine(database_url, pool_size=2)
    try:
        schema = await _council_with_teams(database, make_council, "Planning")
        assert [row["name"] for row in await _team_names().fetch_all(plain, schema, {"left_out": ""})] == ["Planning"]
        assert await _functions_in(database, schema) == []
    finally:
        await plain.dispose()


async def test_a_statement_that_cannot_be_a_function_runs_as_a_statement(
    database: Database,
    make_council: CouncilFactory,
    engines: tuple[AsyncEngine, AsyncEngine],
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, _ = engines
    schema = await _council_with_teams(database, make_council, "Waste")
    twice = CouncilStatement(select(teams.c.name, teams.c.name.label("name")), kept_as_function=True)
    with caplog.at_level(logging.WARNING, logger="civicshare.db.driver"):
        rows = await twice.fetch_all(engine, schema, {})
        assert len(rows) == 1 and rows[0]["name"] == "Waste"
        await twice.fetch_all(engine, schema, {})
    assert await _functions_in(database, schema) == []
    assert [record.getMessage() for record in caplog.records].count(
        next(record.getMessage() for record in caplog.records)
    ) == 1, "said once"


async def test_a_page_reading_on_its_own_connection_runs_the_function_and_in_a_transaction_the_statement(
    database: Database, make_council: CouncilFactory, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    engine, _ = engines
    statement = _team_names()
    definition = await make_council()
    tenant = await tenant_context_for(database, definition.slug)
    async with tenant_connection(engine, tenant) as connection:
        await connection.execute(insert(teams).values(name="Not committed yet"))
        rows = await statement.read_on(connection, {"left_out": ""})
        assert [row["name"] for row in rows] == ["Not committed yet"]
        await connection.rollback()
    assert await _functions_in(database, tenant.schema) == [], "inside a transaction: the statement itself"
    async with tenant_connection(engine, tenant) as connection:
        await connection.execute(insert(teams).values(name="Bins"))
    async with tenant_reading(engine, tenant) as reading:
        assert [row["name"] for row in await statement.read_on(reading, {"left_out": ""})] == ["Bins"]
    assert len(await _functions_in(database, tenant.schema)) == 1


async def test_a_role_that_may_not_create_in_the_schema_runs_the_statement(
    database: Database, make_council: CouncilFactory, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    schema = await _council_with_teams(database, make_council, "Licensing")
    role = f"reader_{schema[-8:]}"
    async with database.engine.begin() as connection:
        await connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        await connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        await connection.execute(text(f'GRANT SELECT ON "{schema}".teams TO "{role}"'))
    limited = make_engine(
        make_url(database_url).set(username=role).render_as_string(hide_password=False),
        pool_size=2,
        statement_functions=True,
    )
    try:
        with caplog.at_level(logging.WARNING, logger="civicshare.db.driver"):
            rows = await _team_names().fetch_all(limited, schema, {"left_out": ""})
        assert [row["name"] for row in rows] == ["Licensing"]
        assert "runs as a statement" in caplog.text and "cannot be made here" in caplog.text
        assert await _functions_in(database, schema) == []
    finally:
        await limited.dispose()
        async with database.engine.begin() as connection:
            await connection.execute(text(f'DROP OWNED BY "{role}"'))
            await connection.execute(text(f'DROP ROLE "{role}"'))
