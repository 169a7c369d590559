"""Savings reports read from a real streaming standby while it is fresh, and from the primary when it
falls behind by more than the bound, is stopped, or fails in the middle of a read: never an error.

Replay is paused on the standby (`pg_wal_replay_pause`) to hold it behind the primary, so a figure the
primary already has and the standby has not shows which of them answered. The staleness check's clock is
the test's own, so passing the bound takes no waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.admin.export_jobs import ExportParts, read_job, request_export, run_export
from civicshare.app import build_services, create_app
from civicshare.cli import main
from civicshare.db.engine import Database, make_engine, open_database, tenant_connection
from civicshare.db.replica import ReplicaReads
from civicshare.db.replica_server import StandbyServer, start_standby
from civicshare.identity.dev_identity import DevIdentity
from civicshare.policy.operators import Operator, OperatorScope
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping
from civicshare.savings.reporting import council_savings
from civicshare.savings.service import fill_monthly_contacts, uk_day
from civicshare.savings.tables import monthly_contact_months
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.storage.selection import file_store
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import daily_rollups
from tests.savings.conftest import SignedIn, dev_identity, live_council, record_contacts
from tests.support import host_for

__all__ = ["dev_identity", "live_council"]
POSITION = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
REPLAYED = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"


class Clock:
    """The staleness check's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ReplicaPlatform:
    client: httpx.AsyncClient
    database: Database
    services: PlatformServices
    replica: ReplicaReads
    clock: Clock
    standby: StandbyServer

    async def volume_today(self, council: TenantContext) -> int:
        today = uk_day(datetime.now(UTC)).isoformat()
        response = await self.client.get(
            "/api/v1/savings/report", params={"from": today, "to": today}, headers=host_for(council.slug)
        )
        assert response.status_code == 200, response.text
        return int(response.json()["report"]["totals"]["volume"])

    async def caught_up(self) -> None:
        """Wait until the standby has replayed all the primary has written, and the check has seen it."""
        async with asyncio.timeout(30):
            while True:
                async with self.database.engine.connect() as connection:
                    written = int(await connection.scalar(text(POSITION)) or 0)
                async with self.replica.engine.connect() as connection:
                    replayed = int(await connection.scalar(text(REPLAYED)) or 0)
                if replayed >= written:
                    self.clock.advance(1.1)
                    if await self.replica.is_fresh(self.database.lookups):
                        return
                await asyncio.sleep(0.02)

    async def standby_runs(self, statement: str) -> None:
        async with self.replica.engine.connect() as connection:
            await connection.execute(text(statement))


@pytest.fixture(scope="module")
async def platform(
    settings: Settings, database_url: str, standby_directory: Path, dev_identity: DevIdentity
) -> AsyncIterator[ReplicaPlatform]:
    """One app for the module (building one takes seconds), reading from the standby."""
    standby = start_standby(database_url, standby_directory)
    clock = Clock()
    replica = ReplicaReads(make_engine(standby.url, pool_size=4), standby.url, max_lag_seconds=5, clock=clock)
    database = Database(make_engine(database_url, pool_size=4), database_url, replica=replica)
    services = build_services(settings, database)
    app: Any = create_app(settings, services)  # an ASGI app; its scope types are narrower than httpx says
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", timeout=30, auth=SignedIn(dev_identity)
    ) as client:
        yield ReplicaPlatform(client, database, services, replica, clock, standby)
    await database.dispose()


async def test_a_report_comes_from_the_replica_until_it_lags_past_the_bound_then_from_the_primary(
    platform: ReplicaPlatform, database: Database, live_council: Any
) -> None:
    council = await live_council()
    today = uk_day(datetime.now(UTC))
    await record_contacts(database, council, today, "report-pothole", "web", 3)
    await platform.caught_up()
    assert await platform.volume_today(council) == 3

    await platform.standby_runs("SELECT pg_wal_replay_pause()")
    try:
        await record_contacts(database, council, today, "report-pothole", "web", 2)
        # Within the bound the replica still answers, without the two contacts it has not replayed.
        platform.clock.advance(1.5)
        assert await platform.volume_today(council) == 3
        # Past it, the primary answers: the replica has not replayed them, so only the primary could.
        platform.clock.advance(5)
        assert await platform.volume_today(council) == 5
    finally:
        await platform.standby_runs("SELECT pg_wal_replay_resume()")
    await platform.caught_up()
    assert await platform.volume_today(council) == 5


async def test_a_report_on_the_replica_counts_closed_months_to_the_penny_without_storing_them(
    platform: ReplicaPlatform, database: Database, live_council: Any
) -> None:
    council = await live_council()
    for day, channel, count in ((date(2024, 3, 15), "web", 9), (date(2024, 4, 2), "phone", 4)):
        await record_contacts(database, council, day, "report-pothole", channel, count)
    spring = {"from": "2024-03-01", "to": "2024-04-30", "group_by": "month,service,channel"}

    async def cached_months() -> set[date]:
        async with tenant_connection(database.engine, council) as connection:
            return set(await connection.scalars(select(monthly_contact_months.c.month)))

    async def from_the_replica() -> dict[str, Any]:
        await platform.caught_up()
        response = await platform.client.get("/api/v1/savings/report", params=spring, headers=host_for(council.slug))
        assert response.status_code == 200, response.text
        return dict(response.json())

    on_replica = await from_the_replica()
    assert await cached_months() == set()
    async with tenant_connection(database.engine, council) as connection:  # the primary fills the cache on the way
        on_primary = await council_savings(
            connection,
            council,
            platform.services.service_flags,
            ReportPeriod(start=date(2024, 3, 1), end=date(2024, 4, 30)),
            group_by=(Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL),
        )
    assert on_replica["report"]["totals"]["volume"] == 13
    assert on_replica["report"] == on_primary.report.model_dump(mode="json")
    assert on_replica["savings_to_date"] == str(on_primary.savings_to_date)

    # What the housekeeping does on the primary for every council: store the closed months not stored yet.
    async with tenant_connection(database.engine, council) as connection:
        await connection.execute(monthly_contact_months.delete())
        assert await fill_monthly_contacts(connection, council) > 0
    assert {date(2024, 3, 1), date(2024, 4, 1)} <= await cached_months()
    assert await from_the_replica() == on_replica


async def test_with_the_replica_stopped_reports_are_still_served_by_the_primary(
    platform: ReplicaPlatform, database: Database, live_council: Any
) -> None:
    # Last of the tests on the module's app: the standby is started again only for the next test.
    council = await live_council()
    await record_contacts(database, council, uk_day(datetime.now(UTC)), "missed-bin", "web", 4)
    await platform.caught_up()
    # Stopped just after the check said it was fresh: the read fails there and runs again on the primary.
    platform.standby.stop()
    assert await platform.volume_today(council) == 4
    # At the next check it cannot be reached, so reads go straight to the primary.
    platform.clock.advance(1.1)
    assert not await platform.replica.is_fresh(database.lookups)
    assert await platform.volume_today(council) == 4


async def test_the_replica_url_setting_sends_reads_to_the_standby(settings: Settings, standby: StandbyServer) -> None:
    database = open_database(settings.model_copy(update={"database_replica_url": standby.url}))
    try:

        async def in_recovery(engine: AsyncEngine) -> bool:
            async with engine.connect() as connection:
                return bool(await connection.scalar(select(func.pg_is_in_recovery())))

        assert database.replica is not None
        async with asyncio.timeout(10):  # the first check may find the standby a moment behind
            while True:
                if await database.read(in_recovery):
                    break
                await asyncio.sleep(0.2)
    finally:
        await database.dispose()


def test_the_replica_start_command_prints_the_url_to_set(
    settings: Settings, standby_directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main, ["replica", "start", "--directory", str(standby_directory)])
    assert result.exit_code == 0, result.output
    url = make_url(result.stdout.strip().removeprefix("CIVICSHARE_DATABASE_REPLICA_URL="))
    assert (url.host, url.database) == ("127.0.0.1", make_url(settings.database_url).database)


@pytest.fixture
async def impatient(database_url: str, standby: StandbyServer) -> AsyncIterator[Database]:
    """The test database with the standby as its replica, waiting at most two seconds for it."""
    replica = ReplicaReads(make_engine(standby.url, pool_size=2), standby.url, max_lag_seconds=2)
    database = Database(make_engine(database_url, pool_size=2), database_url, replica=replica)
    yield database
    await database.dispose()


async def test_a_read_asked_to_be_current_waits_for_the_replica_or_goes_to_the_primary(
    impatient: Database, database: Database, live_council: Any
) -> None:
    council = await live_council()
    today = uk_day(datetime.now(UTC))

    async def where_and_how_many(engine: AsyncEngine) -> tuple[bool, int]:
        async with tenant_connection(engine, council) as connection:
            standby = bool(await connection.scalar(select(func.pg_is_in_recovery())))
            return standby, int(await connection.scalar(select(func.coalesce(func.sum(daily_rollups.c.count), 0))) or 0)

    await record_contacts(database, council, today, "report-pothole", "web", 2)
    # Just written, and already read on the replica: it waited for the replay.
    assert await impatient.read(where_and_how_many, current=True) == (True, 2)

    assert impatient.replica is not None
    async with impatient.replica.engine.connect() as connection:
        await connection.execute(text("SELECT pg_wal_replay_pause()"))
    try:
        await record_contacts(database, council, today, "report-pothole", "web", 1)
        assert await impatient.read(where_and_how_many, current=True) == (False, 3)
    finally:
        async with impatient.replica.engine.connect() as connection:
            await connection.execute(text("SELECT pg_wal_replay_resume()"))


async def test_a_council_export_job_with_a_replica_has_what_was_written_before_it_ran(
    impatient: Database, database: Database, live_council: Any, settings: Settings
) -> None:
    council = await live_council()
    operator = Operator(id="cli", name="Olu Operator", scope=OperatorScope.FULL, via="cli")
    async with database.engine.begin() as connection:
        job = await request_export(connection, operator, council.slug)
    for service in ("report-pothole", "missed-bin", "pay-council-tax"):
        await record_contacts(database, council, uk_day(datetime.now(UTC)), service, "web", 1)

    await run_export(ExportParts(database.engine, file_store(settings), impatient), council.slug, job.id)
    async with database.engine.connect() as connection:
        finished = await read_job(connection, council.slug, job.id)
    assert finished.state == "done", finished.error
    assert finished.export is not None
    assert finished.export.row_counts["daily_rollups"] == 3
