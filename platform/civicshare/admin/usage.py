"""Usage for the operators' overview: each council's transactions per day, and how many councils are active.

Counts come from each council's own `transactions` table through a connection routed to its schema
(no cross-schema SQL); test transactions (made in trial mode) are left out unless asked for.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.admin.schemas import CouncilResource, CouncilUsage, DailyCount
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.transactions.tables import transactions

LONDON = ZoneInfo("Europe/London")
CONCURRENCY = 4


async def council_usage(
    engine: AsyncEngine, council: CouncilResource, since: date, until: date, *, include_test: bool
) -> CouncilUsage:
    """Transactions per day (UK calendar days) from `since` to `until`, both included."""
    start = datetime.combine(since, time.min, LONDON)
    end = datetime.combine(until + timedelta(days=1), time.min, LONDON)
    day = func.date(func.timezone("Europe/London", transactions.c.created_at)).label("day")
    query = (
        select(day, func.count().label("transactions"))
        .where(transactions.c.created_at >= start, transactions.c.created_at < end)
        .group_by(day)
        .order_by(day)
    )
    if not include_test:
        query = query.where(transactions.c.is_test.is_(False))
    async with engine.connect() as connection:
        await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: council.schema_name})
        days = [DailyCount(day=row.day, transactions=row.transactions) for row in await connection.execute(query)]
    return CouncilUsage(
        council=council.slug,
        status=council.status,
        mode=council.mode,
        transactions=sum(count.transactions for count in days),
        days=days,
    )


async def usage_of(
    engine: AsyncEngine, councils: list[CouncilResource], since: date, until: date, *, include_test: bool
) -> list[CouncilUsage]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(council: CouncilResource) -> CouncilUsage:
        async with gate:
            return await council_usage(engine, council, since, until, include_test=include_test)

    return list(await asyncio.gather(*(one(council) for council in councils)))
