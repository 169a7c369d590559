"""Demo data in the database: a year or more of transactions and offline contacts for each council.

``load_demo_data`` takes the engine's deterministic demo counts (``savings.demo_data``) for each council
and stores them the way real data arrives: web and app contacts become real transaction rows (with
references from the council's per-year sequence, statuses, status history and UK-daytime timestamps,
``is_test`` false), and phone, face-to-face, email and webchat contacts become imported offline counts.
The daily rollups are then rebuilt from those transactions, and each service's baseline is derived from
the first month, when most contacts were still by phone. The same seed always gives the same data.

Rows are written with PostgreSQL's COPY (asyncpg ``copy_records_to_table`` on the connection of the
council's database transaction, with the council's schema named explicitly): a council's 15 months
load in seconds. A council that already has transactions or offline counts is skipped, so ``make demo``
can run again without doubling anything.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.channels import Channel
from civicshare.savings.demo_data import demo_counts, split_platform_and_offline
from civicshare.savings.service import UK_TIME, derive_and_store_baseline, rebuild_rollups, uk_day
from civicshare.savings.tables import offline_contact_counts
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import format_reference
from civicshare.transactions.tables import reference_sequences, transaction_events, transactions

# Residents (ONS mid-2021 estimates, rounded) of the demo councils; others get DEFAULT_POPULATION.
DEMO_POPULATIONS = {
    "kingston": 168_000,
    "westminster": 204_000,
    "newham": 351_000,
    "havering": 262_000,
    "waltham-forest": 278_000,
}
DEFAULT_POPULATION = 200_000
# Where each council starts and ends on the channel-shift figure (share of contacts done online).
DEMO_DRIFT = {
    "kingston": (0.18, 0.58),
    "westminster": (0.25, 0.62),
    "newham": (0.15, 0.52),
    "havering": (0.12, 0.45),
    "waltham-forest": (0.15, 0.55),
}
DEFAULT_DRIFT = (0.15, 0.55)
SERVICE_MODULES = {
    "report-pothole": "highways",
    "report-streetlight": "highways",
    "report-fly-tipping": "highways",
    "report-missed-bin": "waste",
    "order-bin": "waste",
    "garden-waste-subscription": "waste",
    "resident-parking-permit": "parking",
    "challenge-penalty-charge": "parking",
    "pay-penalty-charge": "parking",
    "single-person-discount": "council_tax",
    "tell-us-you-are-moving": "council_tax",
    "pay-council-tax": "council_tax",
    "request-site-inspection": "building_control",
}
TRANSACTION_COLUMNS = (
    "reference",
    "module",
    "service",
    "channel",
    "status",
    "answers",
    "submitter_kind",
    "contact_email",
    "is_test",
    "created_at",
    "updated_at",
)
DEMO_ANSWERS = json.dumps({"demo": True})


@dataclass(frozen=True)
class DemoLoadOutcome:
    council: str
    loaded: bool
    transactions: int = 0
    offline_counts: int = 0
    first_day: date | None = None
    last_day: date | None = None
    reason: str | None = None


def demo_window(today: date, months: int) -> tuple[date, date]:
    """From the first day of the month ``months`` months back to yesterday."""
    if months < 1:
        raise ValueError("Load at least one month of demo data")
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1), today - timedelta(days=1)


def _status(rng: random.Random, age_days: int) -> str:
    if age_days > 14:
        return "closed" if rng.random() < 0.93 else "rejected"
    if age_days > 2:
        return "closed" if rng.random() < 0.5 else "in_progress"
    return "received"


def _day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time(7), tzinfo=UK_TIME).astimezone(UTC)


def transaction_records(
    tenant: TenantContext,
    platform_counts: Sequence[tuple[date, str, Channel, int]],
    *,
    seed: int,
    today: date,
    first_numbers: dict[int, int],
) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """COPY-ready transaction rows, in time order, and the last reference number used in each year."""
    rng = random.Random(f"{seed}:{tenant.slug}:transactions")
    moments: list[tuple[datetime, str, Channel]] = []
    for day, service, channel, count in platform_counts:
        opens = _day_start_utc(day)
        # Between 07:00 and 23:00 UK time: no daylight-saving gaps, and the UK day is always `day`.
        moments.extend((opens + timedelta(seconds=rng.randrange(16 * 3600)), service, channel) for _ in range(count))
    moments.sort(key=lambda moment: moment[0])
    numbers = dict(first_numbers)
    records: list[tuple[Any, ...]] = []
    for created_at, service, channel in moments:
        year = created_at.year
        numbers[year] = numbers.get(year, 0) + 1
        signed_in = rng.random() < 0.4
        records.append(
            (
                format_reference(tenant.reference_prefix, year, numbers[year]),
                SERVICE_MODULES.get(service, "demo"),
                service,
                channel.value,
                _status(rng, (today - uk_day(created_at)).days),
                DEMO_ANSWERS,
                "resident" if signed_in else "anonymous",
                None if signed_in else f"resident{rng.randrange(10**6):06d}@example.org",
                False,
                created_at,
                created_at,
            )
        )
    return records, numbers


async def _has_data(connection: AsyncConnection) -> bool:
    any_transaction = select(literal(1)).select_from(transactions).limit(1).exists()
    any_offline = select(literal(1)).select_from(offline_contact_counts).limit(1).exists()
    return bool(await connection.scalar(select(any_transaction | any_offline)))


async def _driver(connection: AsyncConnection) -> Any:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def load_council_demo_data(
    connection: AsyncConnection, tenant: TenantContext, *, seed: int, months: int, today: date
) -> DemoLoadOutcome:
    """One council's demo data, in the caller's database transaction (routed to that council)."""
    if await _has_data(connection):
        return DemoLoadOutcome(tenant.slug, loaded=False, reason="already has transactions or offline counts")
    start, end = demo_window(today, months)
    low, high = DEMO_DRIFT.get(tenant.slug, DEFAULT_DRIFT)
    counts = demo_counts(
        council=tenant.slug,
        population=DEMO_POPULATIONS.get(tenant.slug, DEFAULT_POPULATION),
        start=start,
        end=end,
        seed=seed,
        start_digital_share=low,
        end_digital_share=high,
    )
    platform, offline = split_platform_and_offline(counts)
    sequences = await connection.execute(select(reference_sequences.c.year, reference_sequences.c.last_number))
    first_numbers = {int(year): int(number) for year, number in sequences}
    records, numbers = transaction_records(tenant, platform, seed=seed, today=today, first_numbers=first_numbers)

    # The statements above began the database transaction, so the COPYs below are part of it.
    driver = await _driver(connection)
    await driver.copy_records_to_table(
        "transactions", schema_name=tenant.schema, columns=TRANSACTION_COLUMNS, records=records
    )
    await driver.copy_records_to_table(
        "offline_contact_counts",
        schema_name=tenant.schema,
        columns=("day", "service", "channel", "count"),
        records=[(day, service, channel.value, count) for day, service, channel, count in offline],
    )
    await _status_history(connection)
    for year, number in numbers.items():
        statement = insert(reference_sequences).values(year=year, last_number=number)
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[reference_sequences.c.year], set_={"last_number": statement.excluded.last_number}
            )
        )
    await rebuild_rollups(connection, tenant)
    month_after_start = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    await derive_and_store_baseline(connection, before=month_after_start)
    return DemoLoadOutcome(
        tenant.slug, loaded=True, transactions=len(records), offline_counts=len(offline), first_day=start, last_day=end
    )


async def _status_history(connection: AsyncConnection) -> None:
    """Each demo transaction was received, and most were later decided by a member of staff."""
    received = select(
        transactions.c.id, literal(None), literal("received"), literal("resident"), transactions.c.created_at
    )
    columns = ["transaction_id", "from_status", "to_status", "actor", "created_at"]
    await connection.execute(insert(transaction_events).from_select(columns, received))
    decided = select(
        transactions.c.id,
        literal("received"),
        transactions.c.status,
        literal("staff"),
        transactions.c.created_at + func.make_interval(0, 0, 0, 2),
    ).where(transactions.c.status != "received")
    await connection.execute(insert(transaction_events).from_select(columns, decided))


async def load_demo_data(
    database: Database,
    tenants: Sequence[TenantContext],
    seed: int = 7,
    months: int = 15,
    *,
    today: date | None = None,
    concurrency: int = 2,
) -> list[DemoLoadOutcome]:
    """Load demo data for each council, one database transaction per council; skip councils with data.

    Two councils load at once by default: while PostgreSQL writes one, Python prepares the next.
    """
    today = today or uk_day(datetime.now(UTC))
    slots = asyncio.Semaphore(concurrency)

    async def load(tenant: TenantContext) -> DemoLoadOutcome:
        async with slots, tenant_connection(database.engine, tenant) as connection:
            return await load_council_demo_data(connection, tenant, seed=seed, months=months, today=today)

    return list(await asyncio.gather(*(load(tenant) for tenant in tenants)))


def describe(outcome: DemoLoadOutcome) -> str:
    if not outcome.loaded:
        return f"{outcome.council}: skipped ({outcome.reason})"
    return (
        f"{outcome.council}: {outcome.transactions:,} transactions and {outcome.offline_counts:,} offline daily "
        f"counts from {outcome.first_day} to {outcome.last_day}"
    )
