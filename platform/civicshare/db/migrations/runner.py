"""Running one migration stream on one schema, through Alembic's documented programmatic API."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_mock_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ClauseElement

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


# Onboarding sends the statements `create_tables` would send as one script: one round trip instead of some
# 80 (SQLAlchemy compiles and asyncpg prepares each DDL statement). The script is compiled from the
# metadata without a database (a mock engine records the DDL), once per process, so no council pays for
# its tables twice (recording them in a savepoint rolled back doubled each node's first onboarding). Modules
# may declare tables on the metadata at start-up, so a script is kept for each shape of the metadata.
# tests/db/test_onboarding_script.py checks it makes exactly what `create_tables` makes.
_SCRIPT_SCHEMA = "civicshare_tenant_script_schema"


@dataclass(frozen=True)
class _Script:
    statements: str  # every statement, its schema written as _SCRIPT_SCHEMA
    functions: str  # the functions alone, as CREATE OR REPLACE (their bodies name their schema)
    # Of the statements in sorted order: a table's indexes come in a different order in each process.
    digest: str


_scripts: dict[tuple[tuple[str, int, int, int], ...], _Script] = {}


def _metadata_shape() -> tuple[tuple[str, int, int, int], ...]:
    return tuple(
        (name, len(table.columns), len(table.indexes), len(table.constraints))
        for name, table in sorted(tenant_metadata.tables.items())
    )


def _script_from_metadata() -> _Script:
    statements: list[str] = []

    def record(ddl: ClauseElement, *_: object, **__: object) -> None:
        statements.append(str(ddl.compile(dialect=recorder.dialect)).strip())

    recorder = create_mock_engine(make_url("postgresql+asyncpg://"), record)
    tenant_metadata.create_all(recorder, checkfirst=False)
    # Tables, indexes and functions are qualified by the placeholder schema (`tenant.` or `"tenant".`).
    named = re.compile(rf'(?<![\w"])("?){re.escape(TENANT_SCHEMA_PLACEHOLDER)}\1(?=\.)')
    scripted = [named.sub(rf"\g<1>{_SCRIPT_SCHEMA}\g<1>", statement) for statement in statements]
    functions = [
        "CREATE OR REPLACE FUNCTION " + statement.removeprefix("CREATE FUNCTION ")
        for statement in scripted
        if statement.startswith("CREATE FUNCTION ")
    ]
    return _Script(
        ";\n".join(scripted) + ";",
        "".join(f"{function};\n" for function in functions),
        hashlib.sha256("\0".join(sorted(scripted)).encode()).hexdigest(),
    )


def _council_script() -> _Script:
    shape = _metadata_shape()
    if shape not in _scripts:
        _scripts[shape] = _script_from_metadata()
    return _scripts[shape]


def _version_statements(schema: str) -> str:
    """What Alembic's stamp writes: its version table (as Alembic defines it) at the tenant stream's head."""
    return (
        f'CREATE TABLE "{schema}".alembic_version (version_num VARCHAR(32) NOT NULL, '
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n"
        f"INSERT INTO \"{schema}\".alembic_version (version_num) VALUES ('{tenant_head()}');"
    )


def tenant_schema_script(schema: str) -> str:
    """Every statement that makes `schema` a council's schema at the tenant stream's head, the schema too."""
    return (
        f'CREATE SCHEMA "{schema}";\n'
        + _council_script().statements.replace(_SCRIPT_SCHEMA, schema)
        + "\n"
        + (_version_statements(schema))
    )


def tenant_script_digest() -> str:
    """Names what `tenant_schema_script` makes, the same in every process with the same modules installed:
    the tables of the installed modules, at the tenant stream's head."""
    return hashlib.sha256(f"{_council_script().digest} {tenant_head()}".encode()).hexdigest()


def renamed_schema_statements(schema: str) -> str:
    """What a council schema renamed to `schema` must run: its functions, whose bodies name their schema
    as text (tables, indexes, triggers and defaults refer to each other by oid and follow the rename)."""
    return _council_script().functions.replace(_SCRIPT_SCHEMA, schema)


async def run_script(connection: AsyncConnection, script: str) -> None:
    """Several statements in one round trip, in the caller's transaction (PostgreSQL's simple protocol)."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.execute(script)


async def create_tenant_schema(connection: AsyncConnection, schema: str) -> None:
    """Create a council's schema with every tenant table at the current head, in the caller's transaction."""
    await run_script(connection, tenant_schema_script(schema))
