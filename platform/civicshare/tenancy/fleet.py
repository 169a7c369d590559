"""Migrating every council's schema, as the operators' `civicshare migrate` does."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from civicshare.db.engine import Database
from civicshare.db.migrations import TenantMigrationOutcome, migrate_tenants, upgrade_platform
from civicshare.db.migrations.fleet import ProgressCallback, TenantToMigrate
from civicshare.tenancy.tables import tenants

StartCallback = Callable[[int], None]


async def councils_to_migrate(database: Database) -> list[TenantToMigrate]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            select(tenants.c.id, tenants.c.slug, tenants.c.schema_name).order_by(tenants.c.slug)
        )
        return [TenantToMigrate(row.id, row.slug, row.schema_name) for row in rows]


async def migrate_everything(
    database: Database,
    *,
    concurrency: int,
    progress: ProgressCallback | None = None,
    on_start: StartCallback | None = None,
) -> list[TenantMigrationOutcome]:
    """The control plane first, then every council's schema."""
    await upgrade_platform(database.engine)
    councils = await councils_to_migrate(database)
    if on_start is not None:
        on_start(len(councils))
    return await migrate_tenants(
        database.engine,
        database.direct_url or database.engine.url.render_as_string(hide_password=False),
        councils,
        concurrency=concurrency,
        progress=progress or (lambda outcome: None),
    )
