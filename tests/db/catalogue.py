"""What a schema holds, as PostgreSQL itself defines it, to compare two schemas made different ways."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

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
