"""A change to one council's rows is announced with the council's id, and each node forgets its copies of
that council only: with 400 councils, forgetting them all made every node read every council's offerings
and logo again after each onboarding or settings change."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import update

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.db.listening import driver_dsn, listen_forever
from civicshare.settings import Settings
from civicshare.tenancy.directory import DIRECTORY_CHANNEL
from civicshare.tenancy.tables import tenant_modules, tenants
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}


async def test_a_change_at_one_council_is_announced_with_its_id(
    database: Database, database_url: str, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council(**HIGHWAYS)).slug)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(driver_dsn(database_url))
    try:
        await listener.add_listener(DIRECTORY_CHANNEL, lambda *message: heard.put_nowait(message[3]))
        async with database.engine.begin() as connection:
            await connection.execute(update(tenants).where(tenants.c.id == council.id).values(name="Renamed"))
            await connection.execute(
                update(tenant_modules).where(tenant_modules.c.tenant_id == council.id).values(enabled=False)
            )
        payloads = {await asyncio.wait_for(heard.get(), timeout=5) for _ in range(2)}
    finally:
        await listener.close()
    assert payloads == {f"tenants:{council.id}", f"tenant_modules:{council.id}"}


async def test_a_node_forgets_the_changed_councils_copies_and_keeps_the_others(
    settings: Settings, database: Database, database_url: str, make_council: CouncilFactory
) -> None:
    changed = await tenant_context_for(database, (await make_council(**HIGHWAYS)).slug)
    untouched = await tenant_context_for(database, (await make_council(**HIGHWAYS)).slug)
    patient = settings.model_copy(update={"tenant_cache_seconds": 3600, "council_copies_seconds": 3600})
    services = build_services(patient, Database(make_engine(database_url, pool_size=2), database_url))
    listening = asyncio.create_task(
        listen_forever(
            database_url,
            DIRECTORY_CHANNEL,
            services.hear_directory_change,
            services.forget_councils,
            application_name="test-directory",
        )
    )
    try:
        await asyncio.sleep(0.5)  # listening
        kept = await services.offerings.for_council(untouched)
        assert "report-pothole" in (await services.offerings.for_council(changed)).offerings
        async with database.engine.begin() as connection:
            await connection.execute(
                update(tenant_modules).where(tenant_modules.c.tenant_id == changed.id).values(enabled=False)
            )
        began = time.monotonic()
        while "report-pothole" in (await services.offerings.for_council(changed)).offerings:
            assert time.monotonic() - began < 2, "the change was not heard"
            await asyncio.sleep(0.02)
        assert await services.offerings.for_council(untouched) is kept  # not read again
    finally:
        listening.cancel()
        with suppress(asyncio.CancelledError):
            await listening
        await services.database.dispose()
