"""A new council's schema is made by one recorded script; it must be exactly what the metadata creates."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import Database
from civicshare.db.migrations import runner, tenant_head, tenant_revision
from civicshare.db.migrations.runner import create_tables, stamp_at_head
from tests.conftest import CouncilFactory

# Every object of a schema, as PostgreSQL itself defines it (the schema's own name written as "<schema>").
CATALOGUE = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = :schema AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :schema""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :schema",
    "relations": """
        SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema""",
    "triggers": """
        SELECT t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :schema AND NOT t.tgisinternal""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema""",
}


async def catalogue(connection: AsyncConnection, schema: str) -> dict[str, set[tuple[object, ...]]]:
    found = {}
    for kind, query in CATALOGUE.items():
        rows = await connection.execute(text(query), {"schema": schema})
        found[kind] = {
            tuple(
                v.replace(f'"{schema}"', '"<schema>"').replace(schema, "<schema>") if isinstance(v, str) else v
                for v in row
            )
            for row in rows
        }
    return found


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
        for kind in CATALOGUE:
            assert found[kind] == expected[kind], (slug, kind)
