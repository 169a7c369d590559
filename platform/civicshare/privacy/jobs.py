"""The privacy domain's jobs, on the long work queue: a council's retention run, a subject access export,
an account's erasure across councils. Each carries what it is about explicitly (its council's slug and
the request's id); a council no longer on the platform is left alone."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.job_queue import EXPORTS_QUEUE, defer_in_transaction
from civicshare.modules import ModuleRegistry
from civicshare.privacy import accounts, subject_access
from civicshare.privacy.retention import run_retention
from civicshare.storage import FileStore
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.directory import TenantDirectory

logger = logging.getLogger(__name__)

CONTEXT_KEY = "privacy"
RETENTION_TASK = "privacy.retention"
SUBJECT_ACCESS_TASK = "privacy.subject_access"
ACCOUNT_ERASURE_TASK = accounts.ACCOUNT_ERASURE_TASK

privacy_tasks = procrastinate.Blueprint()


@dataclass(frozen=True)
class PrivacyParts:
    """What the privacy jobs work with, handed to them through the worker's context."""

    engine: AsyncEngine
    registry: ModuleRegistry
    files: FileStore
    directory: TenantDirectory


def retention_lock(council: str) -> str:
    return f"{RETENTION_TASK}:{council}"


async def request_retention_run(connection: AsyncConnection, council: str) -> bool:
    """Queue the council's retention run in the caller's transaction; False if one is queued already."""
    try:
        async with connection.begin_nested():
            await defer_in_transaction(
                connection,
                queue=EXPORTS_QUEUE,
                task=RETENTION_TASK,
                args={"council": council},
                queueing_lock=retention_lock(council),
            )
    except IntegrityError:
        return False
    return True


async def defer_retention_runs(app: procrastinate.App, councils: list[TenantContext]) -> None:
    """One retention job per council (the housekeeping's hourly round); one already waiting is enough."""
    for council in councils:
        with contextlib.suppress(AlreadyEnqueued, UniqueViolation):
            await app.configure_task(RETENTION_TASK, queueing_lock=retention_lock(council.slug)).defer_async(
                council=council.slug
            )


async def defer_subject_access(connection: AsyncConnection, council: str, request_id: int) -> None:
    await defer_in_transaction(
        connection, queue=EXPORTS_QUEUE, task=SUBJECT_ACCESS_TASK, args={"council": council, "request_id": request_id}
    )


@privacy_tasks.task(name=RETENTION_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def retention_job(context: procrastinate.JobContext, council: str) -> None:
    """Erase the personal data due for erasure at one council."""
    parts: PrivacyParts = context.additional_context[CONTEXT_KEY]
    found = await parts.directory.by_slug(council)
    if found is None:
        return
    run = await run_retention(parts.engine, parts.registry, parts.files, found, datetime.now(UTC))
    if run.erased:
        logger.info("personal data erased on schedule", extra={"council": council, "requests": run.erased})


@privacy_tasks.task(name=SUBJECT_ACCESS_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def subject_access_job(context: procrastinate.JobContext, council: str, request_id: int) -> None:
    """Write one subject access export."""
    parts: PrivacyParts = context.additional_context[CONTEXT_KEY]
    found = await parts.directory.by_slug(council)
    if found is None:
        return
    await subject_access.run_export(parts.engine, parts.files, found, request_id)


@privacy_tasks.task(name=ACCOUNT_ERASURE_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def account_erasure_job(context: procrastinate.JobContext, erasure_id: int) -> None:
    """Erase or detach one deleted account's data at every council."""
    parts: PrivacyParts = context.additional_context[CONTEXT_KEY]
    await accounts.run_erasure(parts.engine, parts.registry, parts.files, parts.directory, erasure_id)


async def abandon(parts: PrivacyParts, task_name: str, arguments: dict[str, object]) -> bool:
    """Fail the request a stalled privacy job was writing; False if the job is not one of these."""
    if task_name == SUBJECT_ACCESS_TASK:
        council = await parts.directory.by_slug(str(arguments.get("council")))
        if council is not None:
            await subject_access.mark_abandoned(parts.engine, council, int(str(arguments["request_id"])))
        return True
    if task_name == ACCOUNT_ERASURE_TASK:
        await accounts.mark_abandoned(parts.engine, int(str(arguments["erasure_id"])))
        return True
    return task_name == RETENTION_TASK
