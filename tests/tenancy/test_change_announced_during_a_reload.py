"""A change announced (NOTIFY) while a worker is reading the council directory again must not be lost: the
reload may have read the state before the change, so it is not trusted, and the next request reads again.
Before, the reload stored what it had read as fresh, and a suspended council was served for the whole
`tenant_cache_seconds`."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import event

from civicshare.db.engine import Database
from civicshare.db.listening import driver_dsn
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.directory import TenantDirectory
from tests.conftest import CouncilFactory


async def test_a_suspension_announced_while_the_directory_is_read_again_is_not_lost(
    database: Database, database_url: str, make_council: CouncilFactory
) -> None:
    council = await make_council()
    directory = TenantDirectory(database.lookups, max_age_seconds=3600)
    assert (found := await directory.by_slug(council.slug)) is not None and found.status is TenantStatus.ACTIVE

    def suspend_meanwhile(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The reload has read the councils and is about to read the front doors: the council is suspended
        # (committed by another connection) and the change announced to this worker, as its NOTIFY would.
        if "FROM platform.front_doors" in statement and "count(" not in statement:
            with psycopg.connect(driver_dsn(database_url), autocommit=True) as other:
                other.execute(
                    "UPDATE platform.tenants SET status = 'suspended', updated_at = now() WHERE slug = %s",
                    (council.slug,),
                )
            directory.invalidate()

    directory.invalidate()
    event.listen(database.lookups.sync_engine, "before_cursor_execute", suspend_meanwhile)
    try:
        await directory.by_slug(council.slug)  # the reload during which the change happens
    finally:
        event.remove(database.lookups.sync_engine, "before_cursor_execute", suspend_meanwhile)

    seen = await directory.by_slug(council.slug)
    assert seen is not None and seen.status is TenantStatus.SUSPENDED
