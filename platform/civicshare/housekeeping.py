"""The job worker's housekeeping. Hourly, every council's logs are tidied: delivered events and the
webhook log after `delivered_events_keep_days`, system API idempotency keys after
`idempotency_keys_keep_hours`, residents' feedback comments after `feedback_comments_keep_days` (their
ratings stay counted); and each council's retention run is asked for (`civicshare.privacy`).
Stored files no row names are removed after `orphan_files_grace_hours` (`civicshare.orphan_files`).
The savings reports' monthly cache is filled for months that closed (reports on the read replica read
them without storing them). Spare council schemas are kept ready (`civicshare.db.migrations.spares`).
Every few minutes, long jobs whose worker died (no heartbeat) are failed with why, so whoever asked sees
it rather than "running" for ever.

Each council is tidied in its own transaction, named explicitly; one council's trouble is logged and
the others are still tidied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation

from civicshare.admin import export_jobs
from civicshare.db.engine import tenant_connection
from civicshare.db.job_queue import EXPORTS_QUEUE
from civicshare.db.migrations.spares import TOP_UP_TASK, top_up_spare_schemas
from civicshare.notifications.retention import forget_delivered_events
from civicshare.notifications.webhooks.retention import forget_old_webhook_log
from civicshare.orphan_files import sweep_council
from civicshare.privacy import jobs as privacy_jobs
from civicshare.savings.feedback import forget_comments_before
from civicshare.savings.service import fill_monthly_contacts
from civicshare.services import PlatformServices
from civicshare.staff import queue_exports
from civicshare.systems.idempotency import forget_answers_before
from civicshare.tenancy.context import TenantContext

logger = logging.getLogger(__name__)
CONTEXT_KEY = "housekeeping"
TASK = "civicshare.housekeeping"
TIDY_EVERY_SECONDS = 3600.0

housekeeping_tasks = procrastinate.Blueprint()


@dataclass(frozen=True)
class Tidied:
    events: int
    webhook_log: int
    idempotency_keys: int
    feedback_comments: int


async def tidy_council(services: PlatformServices, council: TenantContext, now: datetime) -> Tidied:
    settings = services.settings
    logs_before = now - timedelta(days=settings.delivered_events_keep_days)
    keys_before = now - timedelta(hours=settings.idempotency_keys_keep_hours)
    comments_before = (now - timedelta(days=settings.feedback_comments_keep_days)).date()
    async with tenant_connection(services.database.engine, council) as connection:
        return Tidied(
            events=await forget_delivered_events(connection, logs_before),
            webhook_log=await forget_old_webhook_log(connection, logs_before),
            idempotency_keys=await forget_answers_before(connection, keys_before),
            feedback_comments=await forget_comments_before(connection, comments_before),
        )


async def tidy_every_council(services: PlatformServices, now: datetime | None = None) -> dict[str, Tidied]:
    now = now or datetime.now(UTC)
    tidied: dict[str, Tidied] = {}
    for council in await services.directory.all():
        try:
            tidied[council.slug] = await tidy_council(services, council, now)
        except Exception:
            logger.exception("council not tidied; trying again next hour", extra={"council": council.slug})
    return tidied


async def sweep_every_councils_orphan_files(services: PlatformServices, now: datetime | None = None) -> dict[str, int]:
    """Each council's stored files that no row names, past the grace period, removed; how many each."""
    now = now or datetime.now(UTC)
    removed: dict[str, int] = {}
    for council in await services.directory.all():
        try:
            removed[council.slug] = await sweep_council(services, council, now)
        except Exception:
            logger.exception("orphan files not swept; trying again next hour", extra={"council": council.slug})
    return removed


async def store_every_councils_closed_months(services: PlatformServices) -> int:
    """Store the savings reports' closed months that no report stored yet (reports on the read replica
    cannot), on the primary, council by council; how many months were stored."""
    stored = 0
    for council in await services.directory.all():
        try:
            async with tenant_connection(services.database.engine, council) as connection:
                stored += await fill_monthly_contacts(connection, council)
        except Exception:
            logger.exception("closed months not stored; trying again next hour", extra={"council": council.slug})
    if stored:
        logger.info("closed months stored for savings reports", extra={"months": stored})
    return stored


# On long work's queue, so a tidy-up never holds up a delivery. Deferred by every worker's `keep_house`
# each hour under one queueing lock, so however many workers run, one tidy-up waits at a time. (Not
# procrastinate's periodic tasks: with one registered, a worker did not come back from a PostgreSQL restart.)
@housekeeping_tasks.task(name=TASK, queue=EXPORTS_QUEUE, queueing_lock=TASK, pass_context=True)
async def tidy(context: procrastinate.JobContext) -> None:
    services: PlatformServices = context.additional_context[CONTEXT_KEY]
    tidied = await tidy_every_council(services)
    # Personal data past each council's retention period: a job per council, carrying its council.
    await privacy_jobs.defer_retention_runs(context.app, await services.directory.all())
    logger.info(
        "tidied",
        extra={
            "councils": len(tidied),
            "events": sum(t.events for t in tidied.values()),
            "webhook_log": sum(t.webhook_log for t in tidied.values()),
            "idempotency_keys": sum(t.idempotency_keys for t in tidied.values()),
            "feedback_comments": sum(t.feedback_comments for t in tidied.values()),
        },
    )
    swept = await sweep_every_councils_orphan_files(services)
    if any(swept.values()):
        logger.info("orphan files removed", extra={"files": sum(swept.values())})
    await store_every_councils_closed_months(services)


# Asked for by every worker as it starts and each sweep (one waits at a time), and by each onboarding that
# took a spare; running it when enough are ready costs one statement.
@housekeeping_tasks.task(name=TOP_UP_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def top_up_spares(context: procrastinate.JobContext) -> None:
    services: PlatformServices = context.additional_context[CONTEXT_KEY]
    made = await top_up_spare_schemas(services.database.engine, services.settings.spare_council_schemas)
    if made:
        logger.info("spare council schemas made", extra={"schemas": made})


async def ask_for_spares(app: procrastinate.App) -> None:
    with contextlib.suppress(AlreadyEnqueued, UniqueViolation):
        await app.configure_task(TOP_UP_TASK, queueing_lock=TOP_UP_TASK).defer_async()


async def abandon_stalled_jobs(app: procrastinate.App, services: PlatformServices) -> int:
    """Fail the long jobs whose worker stopped beating, and what they were writing; returns how many."""
    abandoned = 0
    for job in await app.job_manager.get_stalled_jobs(queue=EXPORTS_QUEUE):
        arguments = job.task_kwargs
        council = str(arguments.get("council"))
        if job.task_name == export_jobs.EXPORT_TASK:
            await export_jobs.mark_abandoned(services.database.engine, council, int(str(arguments["job_id"])))
        elif job.task_name == queue_exports.QUEUE_EXPORT_TASK:
            await queue_exports.mark_abandoned(services, council, int(str(arguments["export_id"])))
        else:
            parts = privacy_jobs.PrivacyParts(
                services.database.engine, services.registry, services.files, services.directory
            )
            await privacy_jobs.abandon(parts, job.task_name, dict(arguments))
        await app.job_manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
        logger.warning("job abandoned: its worker stopped", extra={"task": job.task_name, "job": job.id})
        abandoned += 1
    return abandoned


async def keep_house(app: procrastinate.App, services: PlatformServices) -> None:
    """Until cancelled: fail stalled long jobs every sweep, ask for spare council schemas at once and every
    sweep, and for the tidy-up every hour."""
    every = services.settings.outbox_sweep_seconds
    since_tidy = TIDY_EVERY_SECONDS  # a tidy-up soon after the worker starts
    try:
        await ask_for_spares(app)
    except Exception:
        logger.warning("spare council schemas not asked for; trying again next round", exc_info=True)
    while True:
        await asyncio.sleep(every)
        since_tidy += every
        try:
            await abandon_stalled_jobs(app, services)
            await ask_for_spares(app)
            if since_tidy >= TIDY_EVERY_SECONDS:
                with contextlib.suppress(AlreadyEnqueued, UniqueViolation):
                    await app.configure_task(TASK, queueing_lock=TASK).defer_async()
                since_tidy = 0
        except Exception:
            logger.warning("housekeeping not done; trying again next round", exc_info=True)
