"""Council schemas made ahead of need: onboarding renames a ready spare instead of creating every table.

A council made from a spare must be indistinguishable from one made fresh, a resident must be able to use
it at once, a spare made by other code (an older release) must never be taken, and two onboardings at
once must never take the same one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import suppress

import httpx
import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.db.metadata import tenant_schema_name
from civicshare.db.migrations import tenant_head, tenant_revision
from civicshare.db.migrations.runner import run_script, tenant_schema_script, tenant_script_digest
from civicshare.db.migrations.spares import (
    SPARE_PREFIX,
    TOP_UP_TASK,
    spare_schema_names,
    top_up_spare_schemas,
)
from civicshare.db.migrations.state import spare_schemas
from civicshare.settings import Settings
from civicshare.tenancy.service import onboard_tenant
from civicshare.worker import run_job_worker
from tests.conftest import CouncilFactory
from tests.db.catalogue import catalogue
from tests.support import council_definition, host_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}


async def _spares(database: Database) -> list[str]:
    async with database.engine.connect() as connection:
        return await spare_schema_names(connection)


async def _schema_exists(connection: AsyncConnection, schema: str) -> bool:
    found = await connection.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema})
    return bool(found)


async def _top_up_jobs(database: Database) -> int:
    async with database.engine.connect() as connection:
        waiting = await connection.scalar(
            text("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = :task AND status = 'todo'"),
            {"task": TOP_UP_TASK},
        )
    return int(waiting or 0)


@pytest.fixture
async def no_spares_left(database: Database) -> AsyncIterator[None]:
    """Whatever a test leaves, the next test's councils are made fresh (the suite keeps no spares)."""
    yield
    await top_up_spare_schemas(database.engine, 0)
    async with database.engine.begin() as connection:
        await connection.execute(text("SET LOCAL search_path = procrastinate"))  # its triggers need it
        await connection.execute(
            text("DELETE FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo'"), {"task": TOP_UP_TASK}
        )


def test_every_process_names_the_script_that_makes_spares_alike() -> None:
    """The job worker makes spares and the nodes take them: each must name the script the same way (a
    table's indexes come in a different order in each process)."""
    asked = "from civicshare.db.migrations.runner import tenant_script_digest; print(tenant_script_digest())"
    named = subprocess.run(
        [sys.executable, "-c", asked],
        env={**os.environ, "PYTHONHASHSEED": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert named.stdout.strip() == tenant_script_digest()


async def test_a_council_made_from_a_spare_is_exactly_a_council_made_fresh(
    database: Database, make_council: CouncilFactory, no_spares_left: None
) -> None:
    assert await top_up_spare_schemas(database.engine, 1) == 1
    assert await top_up_spare_schemas(database.engine, 1) == 0  # one is ready: nothing more to make
    [spare] = await _spares(database)
    assert spare.startswith(SPARE_PREFIX)
    jobs_before = await _top_up_jobs(database)

    from_spare = tenant_schema_name((await make_council()).slug)
    made_fresh = tenant_schema_name((await make_council()).slug)  # no spare left: created statement by statement

    async with database.engine.connect() as connection:
        assert not await _schema_exists(connection, spare)
        assert await tenant_revision(connection, from_spare) == tenant_head()
        expected = await catalogue(connection, made_fresh)
        found = await catalogue(connection, from_spare)
    assert await _spares(database) == []
    for kind in expected:
        assert found[kind] == expected[kind], kind
    # The outbox's trigger function names its schema in its body: written again for the new name.
    assert any("notify_outbox" in str(row) for row in found["functions"])
    assert await _top_up_jobs(database) == jobs_before + 1  # the worker is asked to make another


async def test_a_resident_can_report_at_a_council_made_from_a_spare_at_once(
    database: Database, make_council: CouncilFactory, http: httpx.AsyncClient, no_spares_left: None
) -> None:
    await top_up_spare_schemas(database.engine, 1)
    council = await make_council(**HIGHWAYS)
    assert await _spares(database) == []
    answer = await http.post(
        "/api/v1/services/report-streetlight/transactions",
        json={
            "answers": {"location_description": "Outside 4 Mill Lane", "fault": "out"},
            "channel": "web",
            "contact_email": "grace@example.org",
        },
        headers=host_for(council.slug),
    )
    assert answer.status_code == 201, answer.text  # the insert's outbox trigger ran in the renamed schema
    reference = answer.json()["reference"]
    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "grace@example.org"}, headers=host_for(council.slug)
    )
    assert tracked.status_code == 200, tracked.text
    async with database.engine.connect() as connection:
        events = await connection.scalar(
            text(f'SELECT count(*) FROM "{tenant_schema_name(council.slug)}".outbox_events')
        )
    assert events == 1


async def test_a_spare_made_by_other_code_is_never_taken_and_is_dropped_at_the_next_top_up(
    database: Database, make_council: CouncilFactory, no_spares_left: None
) -> None:
    older = SPARE_PREFIX + "made_by_an_older_release"
    async with database.engine.begin() as connection:
        await run_script(connection, tenant_schema_script(older))
        await connection.execute(insert(spare_schemas).values(schema_name=older, script_digest="0" * 64))

    council = tenant_schema_name((await make_council()).slug)
    async with database.engine.connect() as connection:
        assert await _schema_exists(connection, older) and await _schema_exists(connection, council)
    assert await _spares(database) == [older]

    assert await top_up_spare_schemas(database.engine, 1) == 1
    [current] = await _spares(database)
    assert current != older
    async with database.engine.connect() as connection:
        assert not await _schema_exists(connection, older)


async def test_a_spare_whose_schema_is_gone_is_not_taken_and_is_forgotten(
    database: Database, make_council: CouncilFactory, no_spares_left: None
) -> None:
    await top_up_spare_schemas(database.engine, 1)
    [spare] = await _spares(database)
    async with database.engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{spare}" CASCADE'))  # an operator tidying by hand

    council = tenant_schema_name((await make_council()).slug)  # made fresh, not a 500
    async with database.engine.connect() as connection:
        assert await tenant_revision(connection, council) == tenant_head()
    await top_up_spare_schemas(database.engine, 1)
    [made] = await _spares(database)
    assert made != spare


async def test_an_onboarding_rolled_back_leaves_its_spare_ready(
    database: Database, make_council: CouncilFactory, no_spares_left: None
) -> None:
    await top_up_spare_schemas(database.engine, 1)
    [spare] = await _spares(database)

    class Abandoned(Exception):
        pass

    async def onboard_then_fail() -> None:
        async with database.engine.begin() as connection:
            await onboard_tenant(connection, council_definition())
            assert await spare_schema_names(connection) == []
            raise Abandoned

    with pytest.raises(Abandoned):
        await onboard_then_fail()

    assert await _spares(database) == [spare]
    async with database.engine.connect() as connection:
        assert await _schema_exists(connection, spare)
    council = tenant_schema_name((await make_council()).slug)
    assert await _spares(database) == []
    async with database.engine.connect() as connection:
        assert await _schema_exists(connection, council)


async def test_two_councils_onboarded_at_once_never_take_the_same_spare(
    database: Database, no_spares_left: None
) -> None:
    await top_up_spare_schemas(database.engine, 1)
    first, second = council_definition(), council_definition()
    async with database.engine.connect() as one, database.engine.connect() as other:
        await one.begin()
        await other.begin()
        await onboard_tenant(one, first)  # takes the spare, and holds it until it commits
        await asyncio.wait_for(onboard_tenant(other, second), timeout=30)  # not blocked: makes its own
        await other.commit()
        await one.commit()
    async with database.engine.connect() as connection:
        for definition in (first, second):
            assert await tenant_revision(connection, tenant_schema_name(definition.slug)) == tenant_head()
        left = await connection.scalar(select(func.count()).select_from(spare_schemas))
    assert left == 0


async def test_an_onboarding_takes_the_ready_spare_while_top_ups_keep_counting_them(
    database: Database, make_council: CouncilFactory, no_spares_left: None
) -> None:
    """Each housekeeping sweep runs a top-up: counting the spares must not hide them from an onboarding
    at that moment, which would then create its schema statement by statement, and ask for no new one."""
    await top_up_spare_schemas(database.engine, 1)
    counting = True

    async def keep_counting() -> None:
        while counting:
            await top_up_spare_schemas(database.engine, 1)

    counters = [asyncio.create_task(keep_counting()) for _ in range(2)]
    try:
        for _ in range(5):
            ready = await _eventually_one_spare(database, other_than=None)  # made again by the counters
            await make_council()
            assert ready not in await _spares(database), "the onboarding made its schema instead of taking the spare"
            assert not counters[0].done() and not counters[1].done()
    finally:
        counting = False
        await asyncio.gather(*counters)


async def test_the_job_worker_keeps_a_spare_ready_and_makes_another_once_one_is_taken(
    settings: Settings, database: Database, database_url: str, make_council: CouncilFactory, no_spares_left: None
) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(delete(spare_schemas))
    services = build_services(
        settings.model_copy(update={"spare_council_schemas": 1}),
        Database(make_engine(database_url, pool_size=4), database_url),
    )
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False, outbox=False))
    try:
        first = await _eventually_one_spare(database, other_than=None)  # asked for as the worker starts
        await make_council()
        second = await _eventually_one_spare(database, other_than=first)  # asked for by the onboarding
        assert second != first
    finally:
        running.cancel()
        with suppress(asyncio.CancelledError):
            await running
        await services.database.dispose()


async def _eventually_one_spare(database: Database, *, other_than: str | None, within: float = 30) -> str:
    deadline = time.monotonic() + within
    while True:
        found = await _spares(database)
        if len(found) == 1 and found[0] != other_than:
            return found[0]
        assert time.monotonic() < deadline, f"spares: {found}"
        await asyncio.sleep(0.1)
