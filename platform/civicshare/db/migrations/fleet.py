"""Upgrading every council's schema: bounded concurrency in worker processes, resumable, with progress.

Alembic's `op` is one process-wide object, so two councils can never be migrated at once inside one
process; each worker process migrates one council at a time and takes the next from a shared queue.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.context import SpawnContext
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from civicshare.db.migrations.runner import (
    TENANT_STREAM,
    TenantMigrationOutcome,
    tenant_head,
    tenant_revision,
    upgrade_tenant_schema,
)
from civicshare.db.migrations.state import tenant_schema_state


@dataclass(frozen=True)
class TenantToMigrate:
    tenant_id: int
    slug: str
    schema: str
    stream: Path = TENANT_STREAM


ProgressCallback = Callable[[TenantMigrationOutcome], None]


async def _record(engine: AsyncEngine, tenant_id: int, revision: str | None, outcome: str, detail: str | None) -> None:
    statement = insert(tenant_schema_state).values(
        tenant_id=tenant_id, revision=revision, outcome=outcome, detail=detail, attempts=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[tenant_schema_state.c.tenant_id],
        set_={
            "revision": statement.excluded.revision,
            "outcome": statement.excluded.outcome,
            "detail": statement.excluded.detail,
            "attempts": tenant_schema_state.c.attempts + 1,
            "updated_at": text("now()"),
        },
    )
    async with engine.begin() as connection:
        await connection.execute(statement)


async def migrate_one(engine: AsyncEngine, tenant: TenantToMigrate) -> TenantMigrationOutcome:
    head = tenant_head(tenant.stream)
    try:
        async with engine.begin() as connection:
            locked = await connection.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": f"migrate:{tenant.schema}"}
            )
            if not locked:
                return TenantMigrationOutcome(tenant.slug, tenant.schema, "busy", None, "another run holds it")
            before = await tenant_revision(connection, tenant.schema)
            if before != head:
                await upgrade_tenant_schema(connection, tenant.schema, tenant.stream)
    except Exception as error:  # recorded per council so the run goes on and can be resumed
        detail = f"{type(error).__name__}: {error}"
        async with engine.connect() as connection:
            current = await tenant_revision(connection, tenant.schema)
        await _record(engine, tenant.tenant_id, current, "failed", detail[:2000])
        return TenantMigrationOutcome(tenant.slug, tenant.schema, "failed", current, detail)
    await _record(engine, tenant.tenant_id, head, "current", None)
    outcome = "current" if before == head else "upgraded"
    return TenantMigrationOutcome(tenant.slug, tenant.schema, outcome, head)


async def _migrate_serially(
    engine: AsyncEngine, tenants: Sequence[TenantToMigrate], progress: ProgressCallback
) -> list[TenantMigrationOutcome]:
    outcomes = []
    for tenant in tenants:
        outcome = await migrate_one(engine, tenant)
        progress(outcome)
        outcomes.append(outcome)
    return outcomes


def _worker(
    url: str,
    work: multiprocessing.Queue[TenantToMigrate | None],
    results: multiprocessing.Queue[TenantMigrationOutcome],
) -> None:
    async def run() -> None:
        engine = create_async_engine(url, pool_size=1, max_overflow=0)
        try:
            while (tenant := work.get()) is not None:
                results.put(await migrate_one(engine, tenant))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _migrate_in_workers(
    url: str, tenants: Sequence[TenantToMigrate], concurrency: int, progress: ProgressCallback
) -> list[TenantMigrationOutcome]:
    context: SpawnContext = multiprocessing.get_context("spawn")
    work: multiprocessing.Queue[TenantToMigrate | None] = context.Queue()
    results: multiprocessing.Queue[TenantMigrationOutcome] = context.Queue()
    for tenant in tenants:
        work.put(tenant)
    for _ in range(concurrency):
        work.put(None)
    workers = [context.Process(target=_worker, args=(url, work, results), daemon=True) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    outcomes: list[TenantMigrationOutcome] = []
    try:
        while len(outcomes) < len(tenants):
            try:
                outcome = results.get(timeout=1.0)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    raise RuntimeError("every migration worker stopped before the work was done") from None
                continue
            progress(outcome)
            outcomes.append(outcome)
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
    return outcomes


async def migrate_tenants(
    engine: AsyncEngine,
    url: str,
    tenants: Sequence[TenantToMigrate],
    *,
    concurrency: int,
    progress: ProgressCallback = lambda outcome: None,
) -> list[TenantMigrationOutcome]:
    """Bring every given council to the tenant head; a failure is recorded and the others go on."""
    workers = min(concurrency, len(tenants))
    if workers <= 1 or len(tenants) < 4 * workers:
        return await _migrate_serially(engine, tenants, progress)
    return await asyncio.to_thread(_migrate_in_workers, url, tenants, workers, progress)
