"""Council exports as jobs: the operator's request is recorded and its job deferred in one transaction;
the job worker writes the archive and marks the request done, or failed with why.

The job carries its council's slug and the request's id; it refuses a request of another council, and
runs a request once (a job that runs again after it finished leaves it as it is).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import procrastinate
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.admin import archive
from civicshare.admin.councils import council_resource
from civicshare.admin.errors import not_found
from civicshare.admin.schemas import ExportJobResource, ExportResource
from civicshare.admin.tables import council_export_jobs, council_exports
from civicshare.db.engine import Database
from civicshare.db.job_queue import EXPORTS_QUEUE, defer_in_transaction
from civicshare.http.problems import Problem
from civicshare.policy.operators import Operator, OperatorScope
from civicshare.storage import FileStore, StorageUnavailable

logger = logging.getLogger(__name__)

EXPORT_TASK = "council_export.run"
CONTEXT_KEY = "council_exports"
POLL_SECONDS = 2

export_tasks = procrastinate.Blueprint()


@dataclass(frozen=True)
class ExportParts:
    """What an export job works with, handed to it through the worker's context."""

    engine: AsyncEngine
    files: FileStore
    # With a read replica, the archive is read there once it has replayed what the primary had when the job ran.
    database: Database | None = None


def poll_url(council: str, job_id: int) -> str:
    return f"/admin/v1/councils/{council}/export-jobs/{job_id}"


def job_resource(row: dict[str, Any], export: dict[str, Any] | None) -> ExportJobResource:
    exported = archive.export_resource(export) if export is not None else None
    return ExportJobResource(
        id=row["id"],
        council=row["council"],
        state=row["state"],
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        export=exported,
        download_url=exported.download_url if exported is not None else None,
        poll_url=poll_url(row["council"], row["id"]),
    )


async def request_export(connection: AsyncConnection, operator: Operator, slug: str) -> ExportJobResource:
    """Record the request and defer its job in the caller's transaction (404 for an unknown council)."""
    await council_resource(connection, slug)
    row = (
        (
            await connection.execute(
                council_export_jobs.insert()
                .values(
                    council=slug, requested_by=operator.id, requested_by_name=operator.name, requested_via=operator.via
                )
                .returning(council_export_jobs)
            )
        )
        .mappings()
        .one()
    )
    await defer_in_transaction(
        connection, queue=EXPORTS_QUEUE, task=EXPORT_TASK, args={"council": slug, "job_id": row["id"]}
    )
    return job_resource(dict(row), None)


async def read_job(connection: AsyncConnection, slug: str, job_id: int) -> ExportJobResource:
    """The council's export job; another council's job (or none) is 404."""
    row = (
        (
            await connection.execute(
                select(council_export_jobs).where(
                    council_export_jobs.c.id == job_id, council_export_jobs.c.council == slug
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise not_found("Export job", f"Council {slug!r} has no export job {job_id}.")
    export = None
    if row["export_id"] is not None:
        found = (
            (await connection.execute(select(council_exports).where(council_exports.c.id == row["export_id"])))
            .mappings()
            .one_or_none()
        )
        export = dict(found) if found is not None else None
    return job_resource(dict(row), export)


def _why(error: BaseException) -> str:
    if isinstance(error, Problem):
        return error.detail or error.title
    if isinstance(error, OSError | StorageUnavailable):
        return f"the archive could not be written: {error}"
    return f"the export stopped: {type(error).__name__}: {error}"


async def _claim(engine: AsyncEngine, council: str, job_id: int) -> dict[str, Any] | None:
    """Mark the council's queued request running; None if it is not queued (ran already) or not its."""
    async with engine.begin() as connection:
        row = (
            (
                await connection.execute(
                    update(council_export_jobs)
                    .where(
                        council_export_jobs.c.id == job_id,
                        council_export_jobs.c.council == council,
                        council_export_jobs.c.state == "queued",
                    )
                    .values(state="running", started_at=datetime.now(UTC))
                    .returning(council_export_jobs)
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row is not None else None


WORKER_STOPPED = "the job worker stopped while writing the archive; ask for the export again"


async def mark_abandoned(engine: AsyncEngine, council: str, job_id: int) -> bool:
    """A request whose worker died is failed with why (a retry could kill the next worker the same way)."""
    async with engine.begin() as connection:
        result = await connection.execute(
            update(council_export_jobs)
            .where(
                council_export_jobs.c.id == job_id,
                council_export_jobs.c.council == council,
                council_export_jobs.c.state.in_(("queued", "running")),
            )
            .values(state="failed", error=WORKER_STOPPED, finished_at=datetime.now(UTC))
        )
    return result.rowcount == 1


async def run_export(parts: ExportParts, council: str, job_id: int) -> None:
    """Write the council's archive for request `job_id`; the request ends done or failed with why."""
    row = await _claim(parts.engine, council, job_id)
    if row is None:
        logger.info("export job not queued (already run, or not this council's)", extra={"council": council})
        return
    operator = Operator(
        id=row["requested_by"], name=row["requested_by_name"], scope=OperatorScope.FULL, via=row["requested_via"]
    )

    async def mark_done(connection: AsyncConnection, exported: ExportResource) -> None:
        await connection.execute(
            update(council_export_jobs)
            .where(council_export_jobs.c.id == job_id)
            .values(state="done", export_id=exported.id, finished_at=datetime.now(UTC))
        )

    async def export(reads: AsyncEngine) -> ExportResource:
        return await archive.export_council(
            parts.engine, parts.files, operator, council, recorded=mark_done, reads=reads
        )

    try:
        if parts.database is None:
            await export(parts.engine)
        else:
            await parts.database.read(export, current=True)
    except Exception as error:
        logger.warning("council export failed", extra={"council": council}, exc_info=True)
        async with parts.engine.begin() as connection:
            await connection.execute(
                update(council_export_jobs)
                .where(council_export_jobs.c.id == job_id)
                .values(state="failed", error=_why(error), finished_at=datetime.now(UTC))
            )


@export_tasks.task(name=EXPORT_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def export_job(context: procrastinate.JobContext, council: str, job_id: int) -> None:
    """Export one council for one operator's request."""
    parts: ExportParts = context.additional_context[CONTEXT_KEY]
    await run_export(parts, council, job_id)
