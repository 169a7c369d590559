"""Demo data in the database: a year or more of transactions and offline contacts for each council.

``load_demo_data`` takes the engine's deterministic demo counts (``savings.demo_data``) for each council
and stores them the way real data arrives: web and app contacts become real transaction rows (with
references from the council's per-year sequence, UK-daytime timestamps, ``is_test`` false, and a status
and history that walk the service's own workflow: ``savings.demo_history``), and phone, face-to-face,
email and webchat contacts become imported offline counts. Web requests come with the journeys that
started them and some answers to the feedback question (``savings.demo_measures``).
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import Database, tenant_connection
from civicshare.modules import ModuleRegistry, Workflow, sla_working_days
from civicshare.savings.channels import Channel
from civicshare.savings.demo_data import demo_counts, split_platform_and_offline
from civicshare.savings.demo_history import DemoLife, demo_life
from civicshare.savings.demo_measures import demo_measures
from civicshare.savings.service import UK_TIME, derive_and_store_baseline, rebuild_rollups, uk_day
from civicshare.savings.tables import offline_contact_counts
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import format_reference
from civicshare.transactions.tables import reference_sequences, transactions

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
    "due_on",
    "decided_by",
    "decision_reason",
    "closed_at",
    "sla_paused_at",
)
EVENT_COLUMNS = ("transaction_id", "from_status", "to_status", "actor", "note", "created_at")
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


@dataclass(frozen=True)
class DemoWorkflow:
    """What a demo transaction of a service needs from its module: the module, workflow and promised time."""

    module: str
    workflow: Workflow
    sla_working_days: int | None


# A service whose module is not installed: its requests were received and wait there.
UNINSTALLED = DemoWorkflow("demo", Workflow(states=("submitted",), initial="submitted", transitions={}), None)


def demo_workflows(registry: ModuleRegistry) -> dict[str, DemoWorkflow]:
    """Each installed service's module, workflow and service level agreement (with the module's defaults)."""
    found = {}
    for module in registry.modules:
        for service in module.services:
            days = sla_working_days(service, module.default_settings())
            found[service.code] = DemoWorkflow(module.code, service.workflow, days)
    return found


def _day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time(7), tzinfo=UK_TIME).astimezone(UTC)


def transaction_records(
    tenant: TenantContext,
    platform_counts: Sequence[tuple[date, str, Channel, int]],
    *,
    seed: int,
    today: date,
    first_numbers: dict[int, int],
    workflows: Mapping[str, DemoWorkflow],
) -> tuple[list[tuple[Any, ...]], list[DemoLife], dict[int, int]]:
    """COPY-ready transaction rows in time order, each one's life through its workflow, and the last
    reference number used in each year."""
    rng = random.Random(f"{seed}:{tenant.slug}:transactions")
    moments: list[tuple[datetime, str, Channel]] = []
    for day, service, channel, count in platform_counts:
        opens = _day_start_utc(day)
        # Between 07:00 and 23:00 UK time: no daylight-saving gaps, and the UK day is always `day`.
        moments.extend((opens + timedelta(seconds=rng.randrange(16 * 3600)), service, channel) for _ in range(count))
    moments.sort(key=lambda moment: moment[0])
    now = datetime.combine(today, time(0), tzinfo=UK_TIME).astimezone(UTC)  # the data ends with yesterday
    numbers = dict(first_numbers)
    records: list[tuple[Any, ...]] = []
    lives: list[DemoLife] = []
    for created_at, service, channel in moments:
        year = created_at.year
        numbers[year] = numbers.get(year, 0) + 1
        signed_in = rng.random() < 0.4
        demo = workflows.get(service, UNINSTALLED)
        life = demo_life(demo.workflow, created_at, now, rng, sla_working_days=demo.sla_working_days)
        decided = life.moves[-1] if life.status in demo.workflow.closing else None
        records.append(
            (
                format_reference(tenant.reference_prefix, year, numbers[year]),
                demo.module,
                service,
                channel.value,
                life.status,
                DEMO_ANSWERS,
                "resident" if signed_in else "anonymous",
                None if signed_in else f"resident{rng.randrange(10**6):06d}@example.org",
                False,
                created_at,
                life.updated_at,
                life.due_on,
                decided.actor if decided else None,
                decided.note if decided else None,
                life.updated_at if decided else None,
                life.updated_at if life.status in demo.workflow.paused else None,
            )
        )
        lives.append(life)
    return records, lives, numbers


async def _has_data(connection: AsyncConnection) -> bool:
    any_transaction = select(literal(1)).select_from(transactions).limit(1).exists()
    any_offline = select(literal(1)).select_from(offline_contact_counts).limit(1).exists()
    return bool(await connection.scalar(select(any_transaction | any_offline)))


async def _driver(connection: AsyncConnection) -> Any:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def load_council_demo_data(
    connection: AsyncConnection,
    tenant: TenantContext,
    *,
    seed: int,
    months: int,
    today: date,
    workflows: Mapping[str, DemoWorkflow],
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
    records, lives, numbers = transaction_records(
        tenant, platform, seed=seed, today=today, first_numbers=first_numbers, workflows=workflows
    )

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
    measures = demo_measures(platform, seed)
    for table, columns, rows in (
        ("journey_counts", ("day", "service", "started", "sent"), measures.journeys),
        ("feedback_ratings", ("day", "service", "rating", "count"), measures.ratings),
        ("service_feedback", ("day", "service", "rating", "comment"), measures.comments),
    ):
        await driver.copy_records_to_table(table, schema_name=tenant.schema, columns=columns, records=rows)
    await _status_history(connection, driver, tenant, records, lives)
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


async def _status_history(
    connection: AsyncConnection, driver: Any, tenant: TenantContext, records: Sequence[tuple[Any, ...]],
    lives: Sequence[DemoLife],
) -> None:  # fmt: skip
    """Each demo transaction's moves through its workflow, as history rows."""
    ids = dict((await connection.execute(select(transactions.c.reference, transactions.c.id))).all())
    events = [
        (ids[record[0]], move.from_status, move.to_status, move.actor, move.note, move.at)
        for record, life in zip(records, lives, strict=True)
        for move in life.moves
    ]
    await driver.copy_records_to_table(
        "transaction_events", schema_name=tenant.schema, columns=EVENT_COLUMNS, records=events
    )


async def load_demo_data(
    database: Database,
    tenants: Sequence[TenantContext],
    seed: int = 7,
    months: int = 15,
    *,
    registry: ModuleRegistry,
    today: date | None = None,
    concurrency: int = 2,
) -> list[DemoLoadOutcome]:
    """Load demo data for each council, one database transaction per council; skip councils with data.

    Two councils load at once by default: while PostgreSQL writes one, Python prepares the next.
    """
    today = today or uk_day(datetime.now(UTC))
    slots = asyncio.Semaphore(concurrency)
    workflows = demo_workflows(registry)

    async def load(tenant: TenantContext) -> DemoLoadOutcome:
        async with slots, tenant_connection(database.engine, tenant) as connection:
            return await load_council_demo_data(
                connection, tenant, seed=seed, months=months, today=today, workflows=workflows
            )

    return list(await asyncio.gather(*(load(tenant) for tenant in tenants)))


def describe(outcome: DemoLoadOutcome) -> str:
    if not outcome.loaded:
        return f"{outcome.council}: skipped ({outcome.reason})"
    return (
        f"{outcome.council}: {outcome.transactions:,} transactions and {outcome.offline_counts:,} offline daily "
        f"counts from {outcome.first_day} to {outcome.last_day}"
    )
