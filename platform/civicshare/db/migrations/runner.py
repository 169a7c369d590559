"""Running one migration stream on one schema, through Alembic's documented programmatic API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db import tables as _all_tables  # noqa: F401 - completes the metadata
from civicshare.db.metadata import PLATFORM_SCHEMA, TENANT_SCHEMA_PLACEHOLDER, tenant_metadata

STREAMS = Path(__file__).parent
PLATFORM_STREAM = STREAMS / "platform_stream"
TENANT_STREAM = STREAMS / "tenant_stream"


@dataclass(frozen=True)
class TenantMigrationOutcome:
    slug: str
    schema: str
    outcome: str  # "current", "upgraded", "failed" or "busy"
    revision: str | None
    detail: str | None = None


def _config(stream: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(stream))
    return config


@cache
def _script(stream: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(_config(stream))


def platform_head() -> str:
    head = _script(PLATFORM_STREAM).get_current_head()
    assert head is not None
    return head


def tenant_head(stream: Path = TENANT_STREAM) -> str:
    head = _script(stream).get_current_head()
    assert head is not None
    return head


def tenant_schema() -> str:
    """Inside a tenant migration: the council schema being migrated."""
    schema: str | None = op.get_context().version_table_schema
    assert schema is not None and schema != TENANT_SCHEMA_PLACEHOLDER
    return schema


def _upgrade(connection: Connection, stream: Path, schema: str) -> None:
    config = _config(stream)
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


def _current(connection: Connection, schema: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


async def upgrade_platform(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        # Two processes starting at once must not both create the control plane.
        await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('civicshare-platform-migrate'))"))
        await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PLATFORM_SCHEMA}"'))
        await connection.run_sync(_upgrade, PLATFORM_STREAM, PLATFORM_SCHEMA)


async def platform_revision(connection: AsyncConnection) -> str | None:
    return await connection.run_sync(_current, PLATFORM_SCHEMA)


async def tenant_revision(connection: AsyncConnection, schema: str) -> str | None:
    return await connection.run_sync(_current, schema)


async def upgrade_tenant_schema(connection: AsyncConnection, schema: str, stream: Path = TENANT_STREAM) -> None:
    await connection.run_sync(_upgrade, stream, schema)


def create_tables(connection: Connection, schema: str) -> None:
    """Every tenant table from the metadata in `schema` (which exists), statement by statement."""
    routed = connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema})
    tenant_metadata.create_all(routed, checkfirst=False)


def stamp_at_head(connection: Connection, schema: str) -> None:
    """Record in the schema's own version table that it is at the tenant stream's head."""
    MigrationContext.configure(connection, opts={"version_table_schema": schema}).stamp(_script(TENANT_STREAM), "head")


# Onboarding sends the statements `create_tables` sends, recorded once per process (for a schema of this
# name, in a savepoint rolled back), as one script: one round trip instead of some 500 (SQLAlchemy compiles
# and asyncpg prepares each DDL statement), which made a new council cost about 0.2 s of CPU. Modules may
# declare tables on the metadata at start-up, so a script is kept for each shape of the metadata.
_SCRIPT_SCHEMA = "civicshare_tenant_script_schema"
_scripts: dict[tuple[tuple[str, int, int, int], ...], str] = {}


def _metadata_shape() -> tuple[tuple[str, int, int, int], ...]:
    return tuple(
        (name, len(table.columns), len(table.indexes), len(table.constraints))
        for name, table in sorted(tenant_metadata.tables.items())
    )


def _record_script(connection: Connection) -> str:
    statements: list[str] = []

    def record(*args: object) -> None:
        statement, parameters = args[2], args[3]
        assert not parameters, f"a DDL statement with parameters cannot be recorded: {statement}"
        statements.append(str(statement).strip())

    with connection.begin_nested() as savepoint:
        connection.exec_driver_sql(f'CREATE SCHEMA "{_SCRIPT_SCHEMA}"')
        event.listen(connection, "before_cursor_execute", record)
        try:
            create_tables(connection, _SCRIPT_SCHEMA)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        savepoint.rollback()
    return ";\n".join(statements) + ";"


async def create_tenant_schema(connection: AsyncConnection, schema: str) -> None:
    """Create a council's schema with every tenant table at the current head, in the caller's transaction."""
    shape = _metadata_shape()
    if shape not in _scripts:
        _scripts[shape] = await connection.run_sync(_record_script)
    await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.execute(_scripts[shape].replace(_SCRIPT_SCHEMA, schema))
    await connection.run_sync(stamp_at_head, schema)
