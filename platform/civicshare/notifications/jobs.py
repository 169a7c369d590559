"""The job queue (procrastinate, on the platform's PostgreSQL) and the outbox's jobs.

How a committed event reaches the subscribers, with no schema polled while the platform is idle:

1. The insert into a council's `outbox_events` notifies `civicshare_outbox` with the council's schema
   when nothing of the council was waiting already (a statement trigger; PostgreSQL sends it only when
   the transaction commits). Notifying on every insert halved submit throughput.
2. Each job worker LISTENs on that channel (`OutboxRelay`) and defers one `outbox.dispatch` job per
   council named, under a queueing lock per council: however many events a council writes, at most one
   dispatch job of it waits in the queue.
3. `outbox.dispatch` carries the council's slug, resolves it through the tenant directory and reads
   only that council's schema (`dispatcher.dispatch_council`). When retries are left for later it
   schedules its own next run for the earliest of them; when it did any work, it looks again a second
   later, for events committed meanwhile (which did not notify, since events were waiting).
4. A slow sweep (every `outbox_sweep_seconds`, and whenever the LISTEN connection is re-established,
   e.g. after PostgreSQL restarted) asks each council whether anything waited too long, for whatever
   was missed while no worker listened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import procrastinate
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.deliveries import has_work
from civicshare.notifications.dispatcher import CallLimits, DispatchSettings, dispatch_council
from civicshare.notifications.events import EventSubscriber
from civicshare.notifications.tables import NOTIFY_CHANNEL
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.directory import TenantDirectory

logger = logging.getLogger(__name__)

QUEUE = "outbox"
JOB_SCHEMA = "procrastinate"
DISPATCH_TASK = "outbox.dispatch"
CONTEXT_KEY = "outbox"
COALESCE_SECONDS = 0.02
LINGER_SECONDS = 1.0


@dataclass
class OutboxParts:
    """What the outbox's jobs work with, handed to each job through the worker's context."""

    engine: AsyncEngine
    directory: TenantDirectory
    subscribers: Sequence[EventSubscriber]
    dispatch: DispatchSettings
    sweep_seconds: float = 300
    limits: CallLimits = field(init=False)

    def __post_init__(self) -> None:
        self.limits = CallLimits(self.dispatch.at_once)


def driver_url(database_url: str) -> str:
    """The platform's SQLAlchemy URL as libpq reads it (procrastinate connects through psycopg)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", database_url)


def make_job_app(database_url: str, *, max_connections: int = 10) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(
        conninfo=driver_url(database_url),
        min_size=1,
        max_size=max_connections,
        kwargs={"options": f"-c search_path={JOB_SCHEMA}", "application_name": "civicshare-jobs"},
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(jobs, namespace="")
    return app


jobs = procrastinate.Blueprint()


# No retry of the job itself: a retried job would collide with the next one waiting under the same
# queueing lock. A dispatch that fails (the database gone) leaves its deliveries due, and the sweep that
# follows the relay's reconnection, or the periodic one, defers another.
@jobs.task(name=DISPATCH_TASK, queue=QUEUE, pass_context=True)
async def dispatch(context: procrastinate.JobContext, council: str, helping: bool = False) -> None:
    """Deliver one council's due events to every subscriber. A job that finds a backlog asks for one
    helper job (`helping`), which whichever worker process has a free slot takes: with `civicshare
    worker --processes`, a council's long backlog is delivered by more than one process."""
    parts: OutboxParts = context.additional_context[CONTEXT_KEY]
    tenant = await parts.directory.by_slug(council)
    if tenant is None:
        logger.info("outbox of a council no longer on the platform left alone", extra={"council": council})
        return

    async def ask_for_help() -> None:
        try:
            await defer_helper(context.app, council)
        except Exception:  # the database going away: this job carries on alone
            logger.warning("no helper deferred", extra={"council": council}, exc_info=True)

    done = await dispatch_council(
        parts.engine, tenant, parts.subscribers, parts.dispatch, parts.limits, None if helping else ask_for_help
    )
    next_run = done.next_due
    if done.delivered or done.failed:
        # Events committed while this run worked did not notify (events were waiting): look again shortly.
        soon = datetime.now(UTC) + timedelta(seconds=LINGER_SECONDS)
        next_run = min(next_run, soon) if next_run is not None else soon
    if next_run is not None:
        await schedule_dispatch(context.app, council, next_run)


async def defer_dispatch(app: procrastinate.App, council: str) -> None:
    """A dispatch job for the council now, unless one already waits."""
    # AlreadyEnqueued, or UniqueViolation when another worker deferred it at the same moment.
    with contextlib.suppress(AlreadyEnqueued, UniqueViolation):
        await app.configure_task(DISPATCH_TASK, queueing_lock=f"outbox:{council}").defer_async(council=council)


async def defer_helper(app: procrastinate.App, council: str) -> None:
    """A job to work beside the council's running dispatch, unless one already waits."""
    with contextlib.suppress(AlreadyEnqueued, UniqueViolation):
        await app.configure_task(DISPATCH_TASK, queueing_lock=f"outbox-help:{council}").defer_async(
            council=council, helping=True
        )


_BRING_FORWARD = (
    "UPDATE procrastinate_jobs SET scheduled_at = %(at)s "
    "WHERE queueing_lock = %(lock)s AND status = 'todo' AND scheduled_at > %(at)s"
)


async def schedule_dispatch(app: procrastinate.App, council: str, at: datetime) -> None:
    """A dispatch job for the council at `at`; one already scheduled later is brought forward."""
    lock = f"outbox-later:{council}"
    try:
        await app.configure_task(DISPATCH_TASK, queueing_lock=lock, schedule_at=at).defer_async(council=council)
    except (AlreadyEnqueued, UniqueViolation):
        await app.connector.execute_query_async(_BRING_FORWARD, at=at, lock=lock)


async def sweep(app: procrastinate.App, parts: OutboxParts, *, older_than: timedelta) -> list[str]:
    """Defer a dispatch for every council with events or deliveries waiting longer than `older_than`."""
    names = [subscriber.name for subscriber in parts.subscribers]
    found: list[str] = []
    if not names:
        return found
    for tenant in await parts.directory.all():
        try:
            async with tenant_connection(parts.engine, tenant) as connection:
                waiting = await has_work(connection, names, older_than)
        except Exception:  # one council's trouble (a schema not migrated yet) must not stop the others
            logger.exception("outbox not swept", extra={"council": tenant.slug})
            continue
        if waiting:
            found.append(tenant.slug)
            await defer_dispatch(app, tenant.slug)
    for job in await app.job_manager.get_stalled_jobs(queue=QUEUE):
        await app.job_manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
    return found


class OutboxRelay:
    """LISTENs for councils that wrote events and defers their dispatch jobs; sweeps on (re)connect.

    It listens on the database and on each of `node_urls`: with councils on a Citus cluster a council's
    outbox trigger runs, and sends its NOTIFY, on the worker node holding the council, where a listener
    on the coordinator would not hear it."""

    def __init__(
        self, app: procrastinate.App, parts: OutboxParts, database_url: str, node_urls: Sequence[str] = ()
    ) -> None:
        self.app = app
        self.parts = parts
        self.url = driver_url(database_url)
        self.node_urls = [driver_url(url) for url in node_urls]
        self._schemas: set[str] = set()
        self._woken = asyncio.Event()

    def _heard(self, _connection: Any, _pid: int, _channel: str, schema: str) -> None:
        self._schemas.add(schema)
        self._woken.set()

    async def run(self) -> None:
        """Until cancelled: listen, deferring jobs; reconnect (and sweep) after losing a connection."""
        forwarding = asyncio.create_task(self._forward())
        sweeping = asyncio.create_task(self._sweep_periodically())
        listening = [asyncio.create_task(self._keep_listening(url)) for url in (self.url, *self.node_urls)]
        try:
            await asyncio.gather(*listening)
        finally:
            for task in (forwarding, sweeping, *listening):
                task.cancel()

    async def _keep_listening(self, url: str) -> None:
        while True:
            try:
                await self._listen_until_lost(url)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("outbox listener lost its connection: %s", error)
            await asyncio.sleep(1)

    async def _listen_until_lost(self, url: str) -> None:
        connection = await asyncpg.connect(url, server_settings={"application_name": "civicshare-outbox-relay"})
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(NOTIFY_CHANNEL, self._heard)
            await self._sweep(timedelta(0))  # anything written while nobody listened
            while not lost.is_set() and not connection.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), 5)
                if not lost.is_set():
                    await connection.execute("SELECT 1")  # a dead server is noticed here
        finally:
            if not connection.is_closed():
                await connection.close(timeout=2)

    async def _forward(self) -> None:
        while True:
            await self._woken.wait()
            await asyncio.sleep(COALESCE_SECONDS)  # councils heard within this time go together
            self._woken.clear()
            schemas, self._schemas = self._schemas, set()
            by_schema = {tenant.schema: tenant for tenant in await self._councils()}
            if not schemas <= by_schema.keys():  # a council onboarded since the directory was read
                self.parts.directory.invalidate()
                by_schema = {tenant.schema: tenant for tenant in await self._councils()}
            for schema in schemas:
                tenant = by_schema.get(schema)
                if tenant is None:
                    continue
                try:
                    await defer_dispatch(self.app, tenant.slug)
                except Exception:  # the database going away: the sweep after reconnecting catches up
                    logger.warning("dispatch not deferred", extra={"council": tenant.slug}, exc_info=True)

    async def _councils(self) -> list[TenantContext]:
        try:
            return await self.parts.directory.all()
        except Exception:
            logger.warning("council directory not readable", exc_info=True)
            return []

    async def _sweep(self, older_than: timedelta) -> None:
        try:
            await sweep(self.app, self.parts, older_than=older_than)
        except Exception:
            logger.warning("outbox sweep failed; trying again next round", exc_info=True)

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.parts.sweep_seconds)
            await self._sweep(timedelta(seconds=self.parts.sweep_seconds))
