"""The control-plane tables as declared (the admin ones included) are the tables the migrations create."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from civicshare.db import tables as _all_tables  # noqa: F401 - completes the metadata
from civicshare.db.engine import Database
from civicshare.db.metadata import PLATFORM_SCHEMA, platform_metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "version_table_schema": PLATFORM_SCHEMA,
            "include_name": lambda name, kind, parent: kind != "schema" or name == PLATFORM_SCHEMA,
            "compare_server_default": False,
        },
    )
    return list(compare_metadata(context, platform_metadata))


async def test_migration_0002_creates_the_declared_admin_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
