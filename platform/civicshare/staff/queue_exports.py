"""Large queue exports: a filtered queue too long to stream is written to a CSV file by the job worker,
and the officer downloads it from "Your exports".

The request row (in the council's schema) and its job commit together. The job carries the council's
slug and the export's id, reads only that council's schema, and applies the officer's reach as it was
when they asked (the services their teams work on). Files are kept in the file store, under the
council's exports (`exports/<slug>/queue/`), written to a scratch file first and stored whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import procrastinate
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.casework.tables import queue_exports
from civicshare.db.engine import tenant_connection
from civicshare.db.job_queue import EXPORTS_QUEUE, defer_in_transaction
from civicshare.modules.working_days import uk_today
from civicshare.services import PlatformServices
from civicshare.staff.filters import read_filter
from civicshare.staff.queue import conditions
from civicshare.staff.queue_csv import csv_lines
from civicshare.storage import Area, CouncilFiles, FileStore, StorageUnavailable
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.views import Wording

logger = logging.getLogger(__name__)

QUEUE_EXPORT_TASK = "queue_export.run"
CONTEXT_KEY = "platform_services"

queue_export_tasks = procrastinate.Blueprint()


@dataclass(frozen=True)
class Reach:
    """What an officer may export: the services their teams work on (None: all) and their teams."""

    subject: str
    name: str
    allowed: frozenset[str] | None
    teams: tuple[int, ...]


QUEUE_FOLDER = "queue"


def queue_export_files(store: FileStore, council: str) -> CouncilFiles:
    return CouncilFiles(store, Area.EXPORTS, council)


async def request_queue_export(connection: AsyncConnection, council: str, reach: Reach, filter_query: str) -> int:
    """Record the export and defer its job in the connection's (the council's) transaction; its id."""
    export_id = await connection.scalar(
        queue_exports.insert()
        .values(
            officer_subject=reach.subject,
            officer_name=reach.name,
            filter=filter_query,
            allowed=sorted(reach.allowed) if reach.allowed is not None else None,
            teams=list(reach.teams),
        )
        .returning(queue_exports.c.id)
    )
    await defer_in_transaction(
        connection, queue=EXPORTS_QUEUE, task=QUEUE_EXPORT_TASK, args={"council": council, "export_id": export_id}
    )
    return int(export_id)


async def officer_exports(connection: AsyncConnection, subject: str, limit: int = 50) -> list[dict[str, Any]]:
    query = (
        select(queue_exports)
        .where(queue_exports.c.officer_subject == subject)
        .order_by(queue_exports.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in (await connection.execute(query)).mappings()]


async def officer_export(connection: AsyncConnection, subject: str, export_id: int) -> dict[str, Any] | None:
    query = select(queue_exports).where(queue_exports.c.id == export_id, queue_exports.c.officer_subject == subject)
    row = (await connection.execute(query)).mappings().one_or_none()
    return dict(row) if row is not None else None


async def _claim(services: PlatformServices, council: TenantContext, export_id: int) -> dict[str, Any] | None:
    async with tenant_connection(services.database.engine, council) as connection:
        row = (
            (
                await connection.execute(
                    update(queue_exports)
                    .where(queue_exports.c.id == export_id, queue_exports.c.state == "queued")
                    .values(state="running")
                    .returning(queue_exports)
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row is not None else None


async def _write_file(
    services: PlatformServices, council: TenantContext, row: dict[str, Any], today: date, path: Path
) -> int:
    offerings = await services.offerings.for_council(council)
    allowed = frozenset(row["allowed"]) if row["allowed"] is not None else None
    workable = [o for o in offerings if allowed is None or o.code in allowed]
    statuses = {
        status: Wording(offerings, services, o.code).label(status)
        for o in workable
        for status in o.service.workflow.states
    }
    read = read_filter(dict(parse_qsl(row["filter"])), frozenset(o.code for o in workable), frozenset(statuses))
    where = conditions(read.wanted, today, row["officer_subject"], allowed, tuple(row["teams"]))

    async def write(engine: AsyncEngine) -> int:
        written = -1  # the header is not a row
        # Opened anew (emptied) if the read replica fails part way and the rows are read again on the primary.
        with path.open("w", encoding="utf-8", newline="") as target:
            async with tenant_connection(engine, council) as connection:
                batch: list[str] = []
                async for line in csv_lines(connection, where, offerings, services, today):
                    batch.append(line)
                    if len(batch) >= 1000:
                        await asyncio.to_thread(target.writelines, batch)
                        written, batch = written + len(batch), []
                await asyncio.to_thread(target.writelines, batch)
                written += len(batch)
        return written

    # On the read replica once it has what the primary had when the job ran (the officer's last changes).
    return await services.database.read(write, current=True)


WORKER_STOPPED = "the job worker stopped while writing the file; ask for the export again"


async def mark_abandoned(services: PlatformServices, council_slug: str, export_id: int) -> bool:
    """An export whose worker died is failed with why (a retry could kill the next worker the same way)."""
    council = await services.directory.by_slug(council_slug)
    if council is None:
        return False
    async with tenant_connection(services.database.engine, council) as connection:
        result = await connection.execute(
            update(queue_exports)
            .where(queue_exports.c.id == export_id, queue_exports.c.state.in_(("queued", "running")))
            .values(state="failed", error=WORKER_STOPPED, finished_at=datetime.now(UTC))
        )
    return result.rowcount == 1


async def run_queue_export(services: PlatformServices, council_slug: str, export_id: int) -> None:
    """Write the council's export `export_id` to its file; it ends done, or failed with why."""
    council = await services.directory.by_slug(council_slug)
    if council is None:
        logger.info("queue export of a council no longer on the platform left alone", extra={"council": council_slug})
        return
    row = await _claim(services, council, export_id)
    if row is None:
        return  # ran already
    today = uk_today()
    name = f"{council.slug}-requests-{today.isoformat()}-{export_id}-{secrets.token_hex(4)}.csv"
    try:
        with tempfile.TemporaryDirectory(prefix="civicshare-queue-export-") as scratch:
            path = Path(scratch) / name
            rows = await _write_file(services, council, row, today, path)
            size = path.stat().st_size
            await queue_export_files(services.files, council.slug).put_file(f"{QUEUE_FOLDER}/{name}", path)
        values: dict[str, Any] = {"state": "done", "rows": rows, "file_name": name, "size_bytes": size}
    except Exception as error:
        logger.warning("queue export failed", extra={"council": council.slug}, exc_info=True)
        written = isinstance(error, OSError | StorageUnavailable)
        why = f"the file could not be written: {error}" if written else f"the export stopped: {error}"
        values = {"state": "failed", "error": why}
    try:
        async with tenant_connection(services.database.engine, council) as connection:
            await connection.execute(
                update(queue_exports)
                .where(queue_exports.c.id == export_id)
                .values(**values, finished_at=datetime.now(UTC))
            )
    except BaseException:
        if "file_name" in values:  # stored, but no row names it: no one could ask for it
            with contextlib.suppress(Exception):
                await queue_export_files(services.files, council.slug).delete(f"{QUEUE_FOLDER}/{name}")
        raise


@queue_export_tasks.task(name=QUEUE_EXPORT_TASK, queue=EXPORTS_QUEUE, pass_context=True)
async def queue_export_job(context: procrastinate.JobContext, council: str, export_id: int) -> None:
    """Write one officer's large queue export."""
    services: PlatformServices = context.additional_context[CONTEXT_KEY]
    await run_queue_export(services, council, export_id)
