"""A statement compiled once and read on a page's own connection (`CouncilStatement.read_on`): straight on
the driver when each statement is a transaction of its own, inside the connection's transaction when it
has one, and always in the council the connection points at."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from civicshare.casework.tables import teams
from civicshare.db.driver import CouncilStatement
from civicshare.db.engine import Database, tenant_connection, tenant_reading
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for

TEAM_NAMES = CouncilStatement(select(teams.c.name).order_by(teams.c.name))
TRANSACTION_ID = CouncilStatement(select(func.txid_current().label("txid")))


async def test_each_council_reads_its_own_rows_on_a_reading_connection(
    database: Database, make_council: CouncilFactory
) -> None:
    first, second = await make_council(), await make_council()
    for definition, name in ((first, "Highways north"), (second, "Waste south")):
        async with tenant_connection(database.engine, await tenant_context_for(database, definition.slug)) as c:
            await c.execute(insert(teams).values(name=name))
    for definition, name in ((first, "Highways north"), (second, "Waste south"), (first, "Highways north")):
        async with tenant_reading(database.engine, await tenant_context_for(database, definition.slug)) as c:
            assert await TEAM_NAMES.read_on(c, {}) == [{"name": name}]


async def test_in_a_transaction_it_reads_inside_it(database: Database, make_council: CouncilFactory) -> None:
    definition = await make_council()
    tenant = await tenant_context_for(database, definition.slug)
    async with tenant_connection(database.engine, tenant) as connection:
        first = await TRANSACTION_ID.read_on(connection, {})  # the transaction's first statement
        await connection.execute(insert(teams).values(name="Not committed yet"))
        assert await TRANSACTION_ID.read_on(connection, {}) == first
        assert await TEAM_NAMES.read_on(connection, {}) == [{"name": "Not committed yet"}]
        await connection.rollback()
    async with tenant_reading(database.engine, tenant) as reading:
        assert await TEAM_NAMES.read_on(reading, {}) == []
        # Each statement a transaction of its own.
        assert await TRANSACTION_ID.read_on(reading, {}) != await TRANSACTION_ID.read_on(reading, {})


async def test_a_connection_pointing_at_no_council_is_refused(database: Database) -> None:
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(RuntimeError, match="no council"):
            await TEAM_NAMES.read_on(connection, {})
