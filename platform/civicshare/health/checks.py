"""Is the platform ready to serve: database reachable, control plane and every council at head."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.migrations import platform_head, platform_revision, tenant_head
from civicshare.db.migrations.state import tenant_schema_state
from civicshare.db.outage import is_database_outage
from civicshare.tenancy.tables import tenants


@dataclass
class Readiness:
    database: bool = False
    platform_revision: str | None = None
    platform_current: bool = False
    councils_behind: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def ready(self) -> bool:
        return self.database and self.platform_current and not self.councils_behind


async def check_readiness(engine: AsyncEngine) -> Readiness:
    readiness = Readiness()
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            readiness.database = True
            readiness.platform_revision = await platform_revision(connection)
            readiness.platform_current = readiness.platform_revision == platform_head()
            if readiness.platform_current:
                behind = await connection.scalars(
                    select(tenants.c.slug)
                    .select_from(tenants.outerjoin(tenant_schema_state))
                    .where(
                        (tenant_schema_state.c.revision.is_distinct_from(tenant_head()))
                        | (tenant_schema_state.c.outcome != "current")
                    )
                    .order_by(tenants.c.slug)
                )
                readiness.councils_behind = list(behind)
    except Exception as error:
        if not (isinstance(error, SQLAlchemyError | OSError) or is_database_outage(error)):
            raise
        readiness.problem = f"The database cannot be reached: {type(error).__name__}: {error}"[:300]
    return readiness
