"""Council schemas: created at head, upgraded together, each outcome recorded, resumable after a failure."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from civicshare.db.engine import Database
from civicshare.db.migrations import migrate_tenants, tenant_head, tenant_revision
from civicshare.db.migrations.fleet import TenantToMigrate
from civicshare.db.migrations.runner import TENANT_STREAM, upgrade_tenant_schema
from civicshare.db.migrations.state import tenant_schema_state
from civicshare.tenancy.tables import tenants
from tests.conftest import CouncilFactory

ADD_COLUMN_MIGRATION = """
import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision = "9002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("transactions", sa.Column("priority", sa.Integer(), nullable=True), schema=tenant_schema())


def downgrade() -> None:
    op.drop_column("transactions", "priority", schema=tenant_schema())
"""


@pytest.fixture
async def back_to_head(database: Database) -> AsyncIterator[list[TenantToMigrate]]:
    """Councils a test moved past the real head are put back afterwards, so that later tests (the demo
    command migrates every council) meet only revisions the platform knows."""
    moved: list[TenantToMigrate] = []
    yield moved
    async with database.engine.begin() as connection:
        for council in moved:
            await connection.execute(
                text(f'ALTER TABLE "{council.schema}".transactions DROP COLUMN IF EXISTS priority')
            )
            await connection.execute(
                text(f'UPDATE "{council.schema}".alembic_version SET version_num = :head'), {"head": tenant_head()}
            )
            await connection.execute(
                update(tenant_schema_state)
                .where(tenant_schema_state.c.tenant_id == council.tenant_id)
                .values(revision=tenant_head(), outcome="current")
            )


def stream_with_extra_column(tmp_path: Path) -> Path:
    stream = tmp_path / "tenant_stream"
    shutil.copytree(TENANT_STREAM, stream, ignore=shutil.ignore_patterns("__pycache__"))
    (stream / "versions" / "9002_priority.py").write_text(ADD_COLUMN_MIGRATION.format(head=tenant_head()))
    return stream


async def columns(database: Database, schema: str) -> list[tuple[str, str, str, str]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = :schema AND table_name <> 'alembic_version' ORDER BY 1, 2"
            ),
            {"schema": schema},
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]


async def to_migrate(database: Database, slugs: list[str], stream: Path) -> list[TenantToMigrate]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            select(tenants.c.id, tenants.c.slug, tenants.c.schema_name).where(tenants.c.slug.in_(slugs))
        )
        return [TenantToMigrate(row.id, row.slug, row.schema_name, stream) for row in rows]


async def test_a_new_councils_schema_matches_replaying_every_migration(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council()
    async with database.engine.begin() as connection:
        await connection.execute(text('CREATE SCHEMA "replayed_schema"'))
        await upgrade_tenant_schema(connection, "replayed_schema")
        assert await tenant_revision(connection, "replayed_schema") == tenant_head()
    created = await columns(database, f"tenant_{council.slug.replace('-', '_')}")
    assert created
    assert created == await columns(database, "replayed_schema")
    async with database.engine.begin() as connection:
        await connection.execute(text('DROP SCHEMA "replayed_schema" CASCADE'))


async def test_a_one_column_migration_reaches_every_council_and_is_recorded(
    database: Database, make_council: CouncilFactory, tmp_path: Path, back_to_head: list[TenantToMigrate]
) -> None:
    stream = stream_with_extra_column(tmp_path)
    slugs = [(await make_council()).slug for _ in range(3)]
    councils = await to_migrate(database, slugs, stream)
    back_to_head.extend(councils)
    first = await migrate_tenants(database.engine, database.url, councils, concurrency=1)
    assert {o.outcome for o in first} == {"upgraded"}
    again = await migrate_tenants(database.engine, database.url, councils, concurrency=1)
    assert {o.outcome for o in again} == {"current"}
    async with database.engine.connect() as connection:
        for council in councils:
            assert await tenant_revision(connection, council.schema) == "9002"
        recorded = await connection.execute(
            select(tenant_schema_state.c.revision, tenant_schema_state.c.outcome).where(
                tenant_schema_state.c.tenant_id.in_([c.tenant_id for c in councils])
            )
        )
        assert set(recorded) == {("9002", "current")}


async def test_a_failure_at_one_council_is_recorded_and_a_second_run_resumes(
    database: Database, make_council: CouncilFactory, tmp_path: Path, back_to_head: list[TenantToMigrate]
) -> None:
    stream = stream_with_extra_column(tmp_path)
    slugs = [(await make_council()).slug for _ in range(8)]
    councils = await to_migrate(database, slugs, stream)
    back_to_head.extend(councils)
    broken = councils[3]
    async with database.engine.begin() as connection:  # the column already exists: the upgrade will fail there
        await connection.execute(text(f'ALTER TABLE "{broken.schema}".transactions ADD COLUMN priority integer'))
    progress: list[str] = []
    outcomes = await migrate_tenants(
        database.engine, database.url, councils, concurrency=2, progress=lambda o: progress.append(o.slug)
    )
    by_slug = {o.slug: o for o in outcomes}
    assert sorted(progress) == sorted(slugs)
    assert by_slug[broken.slug].outcome == "failed"
    assert "priority" in (by_slug[broken.slug].detail or "")
    assert {o.outcome for s, o in by_slug.items() if s != broken.slug} == {"upgraded"}
    async with database.engine.connect() as connection:
        assert await tenant_revision(connection, broken.schema) == tenant_head()
        state = await connection.scalar(
            select(tenant_schema_state.c.outcome).where(tenant_schema_state.c.tenant_id == broken.tenant_id)
        )
    assert state == "failed"
    async with database.engine.begin() as connection:
        await connection.execute(text(f'ALTER TABLE "{broken.schema}".transactions DROP COLUMN priority'))
    resumed = await migrate_tenants(database.engine, database.url, councils, concurrency=2)
    assert {o.slug: o.outcome for o in resumed}[broken.slug] == "upgraded"
    assert {o.outcome for o in resumed if o.slug != broken.slug} == {"current"}
