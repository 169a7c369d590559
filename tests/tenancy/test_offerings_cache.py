"""Each worker's copy of a council's offer: checked again after its age runs out, re-read when the
council's choices changed, and never making requests queue behind the check."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import update

from civicshare.app import discover_modules
from civicshare.catalogue.service import OfferingsCache
from civicshare.db.engine import Database
from civicshare.tenancy.tables import tenant_modules
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}


async def test_a_change_shows_after_the_check_and_nothing_else_is_reresolved(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council(**HIGHWAYS)).slug)
    cache = OfferingsCache(database.lookups, discover_modules(), max_age_seconds=0.05)

    first = await cache.for_council(council)
    assert "report-pothole" in first.offerings
    await asyncio.sleep(0.06)
    assert await cache.for_council(council) is first  # checked, unchanged: the same resolved offer

    async with database.engine.begin() as connection:
        await connection.execute(
            update(tenant_modules).where(tenant_modules.c.tenant_id == council.id).values(enabled=False)
        )
    assert await cache.for_council(council) is first  # still within its age
    await asyncio.sleep(0.06)
    assert "report-pothole" not in (await cache.for_council(council)).offerings


async def test_requests_during_a_check_use_the_copy_they_have(database: Database, make_council: CouncilFactory) -> None:
    council = await tenant_context_for(database, (await make_council(**HIGHWAYS)).slug)
    cache = OfferingsCache(database.lookups, discover_modules(), max_age_seconds=0.05)
    first = await cache.for_council(council)
    await asyncio.sleep(0.06)

    async with contextlib.AsyncExitStack() as held:  # every lookups connection: the check must wait
        for _ in range(database.lookups.pool.size()):  # type: ignore[attr-defined]
            await held.enter_async_context(database.lookups.connect())
        checking = asyncio.create_task(cache.for_council(council))
        await asyncio.sleep(0.01)
        assert not checking.done()
        others = await asyncio.wait_for(asyncio.gather(*(cache.for_council(council) for _ in range(5))), 1)
        assert all(offer is first for offer in others)
    assert await checking is first
