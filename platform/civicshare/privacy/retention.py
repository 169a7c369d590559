"""The retention run: at one council, every closed request whose service's period has passed has its
personal data erased (`erasure.erase_request`), a batch per transaction, each recorded."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.modules import ModuleRegistry
from civicshare.privacy.erasure import already_erased, erase_request, remove_files
from civicshare.privacy.rules import RetentionRules, council_rules
from civicshare.privacy.tables import personal_data_erasures
from civicshare.storage import FileStore
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import daily_rollups, transactions

RETENTION_SCHEDULE = "retention schedule"
BATCH = 200


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _past_period(rules: RetentionRules, services: list[str], now: datetime) -> ColumnElement[bool]:
    """Closed before its service's cutoff (services not named get their rule's default)."""
    if not services:
        return false()
    cutoffs = {code: months_before(now, rules.for_service(code).months) for code in services}
    # One range per service, so PostgreSQL walks the index of closed requests still holding personal data.
    return or_(
        *(and_(transactions.c.service == code, transactions.c.closed_at < cutoff) for code, cutoff in cutoffs.items())
    )


async def _services_held(connection: AsyncConnection) -> list[str]:
    """Every service the council has had requests for (from the daily counts: a small table)."""
    return list((await connection.execute(select(daily_rollups.c.service).distinct())).scalars())


def due_condition(rules: RetentionRules, services: list[str], now: datetime) -> ColumnElement[bool]:
    return and_(transactions.c.closed_at.is_not(None), ~already_erased(), _past_period(rules, services, now))


@dataclass(frozen=True)
class DueService:
    service: str
    title: str
    months: int
    set_by_council: bool
    due: int
    erased_so_far: int


async def due_for_erasure(
    connection: AsyncConnection, rules: RetentionRules, now: datetime
) -> tuple[list[DueService], list[dict[str, Any]]]:
    """By service, how many requests are due for erasure (and how many were erased so far); and the
    first due requests, oldest closed first."""
    services = await _services_held(connection)
    condition = due_condition(rules, services, now)
    counted = {
        row.service: row.due
        for row in await connection.execute(
            select(transactions.c.service, func.count().label("due")).where(condition).group_by(transactions.c.service)
        )
    }
    erased = {
        row.service: row.erased
        for row in await connection.execute(
            select(personal_data_erasures.c.service, func.count().label("erased"))
            .where(personal_data_erasures.c.outcome == "erased")
            .group_by(personal_data_erasures.c.service)
        )
    }
    codes = sorted({*rules.by_service, *services})
    by_service = [
        DueService(
            code,
            rules.for_service(code).title,
            rules.for_service(code).months,
            rules.for_service(code).set_by_council,
            counted.get(code, 0),
            erased.get(code, 0),
        )
        for code in codes
    ]
    first = [
        dict(row)
        for row in (
            await connection.execute(
                select(transactions.c.reference, transactions.c.service, transactions.c.closed_at)
                .where(condition)
                .order_by(transactions.c.closed_at)
                .limit(50)
            )
        ).mappings()
    ]
    return by_service, first


@dataclass
class RetentionRun:
    council: str
    erased: int = 0
    references: list[str] = field(default_factory=list)


async def run_retention(
    engine: AsyncEngine, registry: ModuleRegistry, store: FileStore, council: TenantContext, now: datetime
) -> RetentionRun:
    """Erase everything due at the council, a batch per database transaction; photos' files after each."""
    run = RetentionRun(council.slug)
    while True:
        async with tenant_connection(engine, council) as connection:
            rules = await council_rules(connection, registry, council)
            services = await _services_held(connection)
            rows = (
                await connection.execute(
                    select(transactions)
                    .where(due_condition(rules, services, now))
                    .order_by(transactions.c.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            files = []
            for row in rows:
                done = await erase_request(
                    connection,
                    council,
                    row,
                    rules.for_service(row.service),
                    reason="retention",
                    requested_by=RETENTION_SCHEDULE,
                )
                files += done.files_to_remove
                run.references.append(row.reference)
        await remove_files(store, council, files)
        run.erased += len(rows)
        if len(rows) < BATCH:
            return run


def person_condition(email: str | None, subject: str | None) -> ColumnElement[bool]:
    """A person's requests at a council: by their account, or the email they gave (any case)."""
    conditions = []
    if subject:
        conditions.append(transactions.c.resident_subject == subject)
    if email:
        conditions.append(func.lower(transactions.c.contact_email) == email.lower())
    return or_(*conditions) if conditions else false()
