"""Erasure on request: an account deleted from the identity provider (by whoever asked, before this
runs) has its data at every council erased or detached by each council's rules. Closed requests are
erased (`erasure.erase_request`); open ones are detached from the account and kept until they close.
Each council's outcome, with what was kept and why, is written to the platform's `account_erasures`
row as it is done; one council's trouble is recorded and the others still done."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.db.job_queue import EXPORTS_QUEUE, defer_in_transaction
from civicshare.identity.directory import IdentityDirectory
from civicshare.identity.sessions import end_sessions_of
from civicshare.modules import ModuleRegistry
from civicshare.privacy.erasure import Erasure, already_erased, detach_request, erase_request, remove_files
from civicshare.privacy.retention import person_condition
from civicshare.privacy.rules import council_rules
from civicshare.privacy.tables import account_erasures
from civicshare.storage import FileStore
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.directory import TenantDirectory
from civicshare.transactions.tables import transactions

logger = logging.getLogger(__name__)
ACCOUNT_ERASURE_TASK = "privacy.account_erasure"
WORKER_STOPPED = "the job worker stopped part way; ask for the erasure again (councils done stay done)"


async def record_request(
    connection: AsyncConnection,
    *,
    subject: str,
    email: str | None,
    requested_by: str,
    requested_by_name: str,
    identity_removed: bool,
) -> dict[str, Any]:
    row = (
        (
            await connection.execute(
                account_erasures.insert()
                .values(
                    subject=subject,
                    email=email,
                    requested_by=requested_by,
                    requested_by_name=requested_by_name,
                    identity_removed=identity_removed,
                )
                .returning(account_erasures)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


class NoSuchAccount(LookupError):
    """The identity provider has no account with that email address."""


async def delete_account(
    engine: AsyncEngine, directory: IdentityDirectory, email: str, *, requested_by: str, requested_by_name: str
) -> dict[str, Any]:
    """Remove the account from the identity provider, end its sessions, and record and queue the erasure
    of its data at every council (one transaction); the erasure's row. Raises NoSuchAccount, or the
    directory's IdentityUnavailable (then nothing was changed)."""
    subject = await directory.delete_account(email)
    if subject is None:
        raise NoSuchAccount(email)
    async with engine.begin() as connection:
        row = await record_request(
            connection,
            subject=subject,
            email=email,
            requested_by=requested_by,
            requested_by_name=requested_by_name,
            identity_removed=True,
        )
        await end_sessions_of(connection, subject)
        await defer_in_transaction(
            connection, queue=EXPORTS_QUEUE, task=ACCOUNT_ERASURE_TASK, args={"erasure_id": row["id"]}
        )
    return row


async def read_erasure(connection: AsyncConnection, erasure_id: int) -> dict[str, Any] | None:
    row = (
        (await connection.execute(select(account_erasures).where(account_erasures.c.id == erasure_id)))
        .mappings()
        .one_or_none()
    )
    return dict(row) if row is not None else None


async def erase_at_council(
    engine: AsyncEngine,
    registry: ModuleRegistry,
    store: FileStore,
    council: TenantContext,
    *,
    subject: str,
    email: str | None,
    requested_by: str,
) -> list[Erasure]:
    """Erase (closed) or detach (open) every request of the person at one council, in one transaction."""
    async with tenant_connection(engine, council) as connection:
        rules = await council_rules(connection, registry, council)
        rows = (
            await connection.execute(
                select(transactions)
                .where(person_condition(email, subject), ~already_erased())
                .order_by(transactions.c.id)
                .with_for_update()
            )
        ).all()
        done: list[Erasure] = []
        for row in rows:
            if row.closed_at is None:
                if row.resident_subject is not None:
                    done.append(await detach_request(connection, row, requested_by=requested_by))
                continue
            done.append(
                await erase_request(
                    connection,
                    council,
                    row,
                    rules.for_service(row.service),
                    reason="request",
                    requested_by=requested_by,
                )
            )
    await remove_files(store, council, [key for erasure in done for key in erasure.files_to_remove])
    return done


async def _claim(engine: AsyncEngine, erasure_id: int, councils: int) -> dict[str, Any] | None:
    async with engine.begin() as connection:
        row = (
            (
                await connection.execute(
                    update(account_erasures)
                    .where(account_erasures.c.id == erasure_id, account_erasures.c.state == "queued")
                    .values(state="running", councils_total=councils)
                    .returning(account_erasures)
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row is not None else None


async def run_erasure(
    engine: AsyncEngine, registry: ModuleRegistry, store: FileStore, directory: TenantDirectory, erasure_id: int
) -> None:
    """Erase account `erasure_id`'s data at every council, each council's outcome recorded as it is done."""
    councils = await directory.all()
    row = await _claim(engine, erasure_id, len(councils))
    if row is None:
        return
    failed = []
    for council in councils:
        try:
            done = await erase_at_council(
                engine,
                registry,
                store,
                council,
                subject=row["subject"],
                email=row["email"],
                requested_by=f"erasure on request {erasure_id} ({row['requested_by_name']})",
            )
            outcome: dict[str, Any] = {"requests": [erasure.summary() for erasure in done]}
        except Exception as error:
            logger.warning("account erasure failed at a council", extra={"council": council.slug}, exc_info=True)
            failed.append(council.slug)
            outcome = {"error": f"not erased here: {type(error).__name__}: {error}"}
        held_nothing = outcome == {"requests": []}  # most councils: only those that held something are named
        async with engine.begin() as connection:
            await connection.execute(
                update(account_erasures)
                .where(account_erasures.c.id == erasure_id)
                .values(
                    outcome=account_erasures.c.outcome
                    if held_nothing
                    else account_erasures.c.outcome.op("||")(literal({council.slug: outcome}, JSONB)),
                    councils_done=account_erasures.c.councils_done + 1,
                )
            )
    async with engine.begin() as connection:
        await connection.execute(
            update(account_erasures)
            .where(account_erasures.c.id == erasure_id)
            .values(
                state="failed" if failed else "done",
                error=f"not done at: {', '.join(failed)}" if failed else None,
                finished_at=datetime.now(UTC),
            )
        )


async def mark_abandoned(engine: AsyncEngine, erasure_id: int) -> bool:
    async with engine.begin() as connection:
        result = await connection.execute(
            update(account_erasures)
            .where(account_erasures.c.id == erasure_id, account_erasures.c.state.in_(("queued", "running")))
            .values(state="failed", error=WORKER_STOPPED, finished_at=datetime.now(UTC))
        )
    return result.rowcount == 1
