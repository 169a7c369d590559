"""The submission and tracking statements are each council's own functions (their plans kept by PostgreSQL):
made for a new council as by the migrations, the same records as the statements themselves, and a council
without them (not migrated yet) is still served."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, text

from civicshare.db.engine import Database, tenant_connection
from civicshare.db.migrations.runner import upgrade_tenant_schema
from civicshare.transactions.service import create_function_sql, create_transaction_committed, find_by_reference
from civicshare.transactions.tables import public_updates, transaction_events
from civicshare.transactions.tracking import find_tracked, tracked_function_sql
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for
from tests.transactions.test_committed_statements import streetlight

FUNCTIONS = ("create_transactions", "tracked_request")
# What the migration 0024_statement_functions made. A change to either statement changes these: add a tenant
# migration that runs `create_function_sql` and `tracked_function_sql` again, then update them.
MIGRATED_DIGESTS = {
    "create_transactions": "0887b6c7786d99321759136e0e1024ba93b979657ebc5498441c7a67993e26e1",
    "tracked_request": "1a5a5482dcdf95363b47fce8cd5872b306e2f0f9950ea60fef13048c0d205831",
}


async def definitions(database: Database, schema: str) -> dict[str, str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema AND p.proname = ANY(:names)"
            ),
            {"schema": schema, "names": list(FUNCTIONS)},
        )
        return {name: definition.replace(schema, "<council>") for name, definition in rows}


def digest(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def test_the_statements_are_those_the_latest_migration_made_into_functions() -> None:
    made = {"create_transactions": create_function_sql("tenant"), "tracked_request": tracked_function_sql("tenant")}
    assert {name: digest(sql) for name, sql in made.items()} == MIGRATED_DIGESTS


async def test_a_new_council_has_the_functions_the_migrations_make(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    async with database.engine.begin() as connection:
        await connection.execute(text('CREATE SCHEMA "functions_replayed"'))
        await upgrade_tenant_schema(connection, "functions_replayed")
    try:
        onboarded = await definitions(database, council.schema)
        assert sorted(onboarded) == sorted(FUNCTIONS)
        assert onboarded == await definitions(database, "functions_replayed")
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(text('DROP SCHEMA "functions_replayed" CASCADE'))


async def test_a_council_not_yet_migrated_submits_and_tracks_with_the_statements(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    async with database.engine.begin() as connection:
        for name in FUNCTIONS:
            await connection.execute(text(f'DROP FUNCTION "{council.schema}".{name}'))
    written = await create_transaction_committed(database.engine, council, streetlight("not-migrated"))
    async with tenant_connection(database.engine, council) as connection:
        assert await find_by_reference(connection, written["reference"]) == written
    tracked = await find_tracked(database.engine, council, written["reference"], "grace@example.org")
    assert tracked is not None and tracked.row["id"] == written["id"]
    assert [event["to_status"] for event in tracked.history] == ["received"]


async def test_tracking_through_the_function_reads_the_request_history_and_updates(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    written = await create_transaction_committed(database.engine, council, streetlight("tracked"))
    async with tenant_connection(database.engine, council) as connection:
        await connection.execute(
            insert(transaction_events).values(
                transaction_id=written["id"],
                from_status="received",
                to_status="in_progress",
                actor="staff:ada",
                note="On our list",
                note_public=True,
            )
        )
        await connection.execute(
            insert(public_updates).values(transaction_id=written["id"], body="Parts ordered", author="Ada")
        )
    tracked = await find_tracked(database.engine, council, written["reference"].lower(), " Grace@Example.org ")
    assert tracked is not None and tracked.row["reference"] == written["reference"]
    assert [(event["to_status"], event["note"]) for event in tracked.history] == [
        ("received", None),
        ("in_progress", "On our list"),
    ]
    assert [body for body, _ in tracked.updates] == ["Parts ordered"]
    assert await find_tracked(database.engine, council, written["reference"], "someone@example.org") is None
