"""A new council's schema is made by one recorded script; it must be exactly what the metadata creates."""

from __future__ import annotations

from sqlalchemy import text

from civicshare.db.engine import Database
from civicshare.db.migrations import runner, tenant_head, tenant_revision
from civicshare.db.migrations.runner import create_tables, stamp_at_head
from tests.conftest import CouncilFactory
from tests.db.catalogue import catalogue


async def test_a_new_councils_schema_is_exactly_what_the_metadata_creates(
    database: Database, make_council: CouncilFactory
) -> None:
    runner._scripts.clear()  # compiled afresh from the metadata, then run for both councils
    first, second = await make_council(), await make_council()
    async with database.engine.begin() as connection:
        await connection.execute(text('CREATE SCHEMA "created_one_by_one"'))
        await connection.run_sync(create_tables, "created_one_by_one")
        await connection.run_sync(stamp_at_head, "created_one_by_one")
        expected = await catalogue(connection, "created_one_by_one")
        made = {}
        for council in (first, second):
            onboarded = f"tenant_{council.slug.replace('-', '_')}"
            made[council.slug] = await catalogue(connection, onboarded)
            assert await tenant_revision(connection, onboarded) == tenant_head()
        await connection.execute(text('DROP SCHEMA "created_one_by_one" CASCADE'))
    assert all(expected.values()), expected
    assert len(expected["triggers"]) >= 1  # the outbox's notify trigger, made by an after_create hook
    for slug, found in made.items():
        for kind in expected:
            assert found[kind] == expected[kind], (slug, kind)
