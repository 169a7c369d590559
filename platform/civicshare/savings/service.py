"""Savings data in a council's schema: rollups, offline counts, unit costs and baselines.

Every function takes a routed tenant connection first (``civicshare.db.engine.tenant_connection``) and
works inside the caller's database transaction. The arithmetic lives in the pure engine modules beside
this one; this module only reads and writes what the engine needs.

Rollups are kept in step with submissions inside the submission's own INSERT statement
(``civicshare.transactions.service.create_statement``), so a transaction and its count commit or roll
back together; ``record_contact`` counts contacts directly (seeding, corrections) with the same rule.
The day of a contact is the day in UK local time
(Europe/London) of the transaction's ``created_at``, the same rule ``rebuild_rollups`` applies in SQL.

Reports read closed months from a monthly cache (``monthly_contacts``), filled on first use on the
primary; a report on the read replica counts a month not cached yet without storing it, and the
housekeeping stores it (``fill_monthly_contacts``) on the primary. A month is
closed a full day after it ends (submissions only ever count today), so only offline imports, rebuilds
and counts recorded for past days change one; each of those calls ``forget_monthly_contacts`` in its own
database transaction. Filling and forgetting take the same table lock, so a report never stores counts
read before a change that committed meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from civicshare.db.replica import is_read_only
from civicshare.savings.baseline import BaselineMix, BaselineVolume, baseline_mix_from_counts, derive_baseline_volumes
from civicshare.savings.channels import STAFFED_CHANNELS, Channel
from civicshare.savings.costs import PLATFORM_DEFAULT_UNIT_COSTS, UnitCostOverride, UnitCostSchedule
from civicshare.savings.inputs_version import savings_inputs_changed
from civicshare.savings.offline_import import OfflineImport
from civicshare.savings.period import ReportPeriod
from civicshare.savings.periods import (
    closed_among,
    refuse_baseline_change,
    refuse_closed_days,
    refuse_unit_cost_change,
)
from civicshare.savings.rollups import RollupRow
from civicshare.savings.routing import routed_schema
from civicshare.savings.tables import (
    IMPORTED,
    baseline_mixes,
    monthly_contact_months,
    monthly_contact_rollups,
    offline_contact_counts,
    offline_imports,
    unit_cost_overrides,
)
from civicshare.savings.tables import closed_months as signed_off_months
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import tenants
from civicshare.transactions.tables import UK_TIME_NAME, daily_rollups, transactions

UK_TIME = ZoneInfo(UK_TIME_NAME)
# Channels by their stored name: a dict lookup per report row instead of an Enum call.
_CHANNEL = {channel.value: channel for channel in Channel}
# Unit costs written in a council's definition file without a start date apply from the beginning.
FROM_THE_START = date(2000, 1, 1)


def uk_day(moment: datetime) -> date:
    """The day a contact belongs to: its date in UK local time."""
    return moment.astimezone(UK_TIME).date()


# --- daily rollups --------------------------------------------------------------------------------


async def record_contact(
    connection: AsyncConnection, *, day: date, service: str, channel: str | Channel, is_test: bool
) -> None:
    """Count one contact in the day's rollup (an upsert), in the caller's database transaction.

    Submissions do not call this: they count themselves inside their own INSERT. This is for counting a
    contact directly (seeding, corrections); a day in a past month also empties that month's cache.
    """
    schema = routed_schema(connection)
    if day < uk_day(datetime.now(UTC)).replace(day=1):
        await refuse_closed_days(connection, [day], "A contact counted on that day")
    await connection.exec_driver_sql(
        f'INSERT INTO "{schema}".daily_rollups AS rollup (day, service, channel, is_test, count) '
        "VALUES ($1, $2, $3, $4, 1) "
        "ON CONFLICT (day, service, channel, is_test) DO UPDATE SET count = rollup.count + 1",
        (day, service, str(channel), is_test),
    )
    await savings_inputs_changed(connection)
    await forget_if_past_month(connection, day)


async def forget_if_past_month(connection: AsyncConnection, day: date) -> None:
    """A count added for a day of a past month (never a submission's: those are today's) changes a
    closed month, so its cached figures go."""
    if day < uk_day(datetime.now(UTC)).replace(day=1):
        await forget_monthly_contacts(connection, [day])


RollupCountKey = tuple[date, str, str, bool]


@dataclass(frozen=True)
class RollupMismatch:
    day: date
    service: str
    channel: str
    is_test: bool
    stored: int
    rebuilt: int


@dataclass(frozen=True)
class RebuildOutcome:
    rows: int
    mismatches: tuple[RollupMismatch, ...]
    """Where the stored rollups differed from the raw transactions before the rebuild."""


def _transactions_by_day() -> Any:
    day = cast(func.timezone(UK_TIME_NAME, transactions.c.created_at), Date)
    return select(
        day.label("day"),
        transactions.c.service,
        transactions.c.channel,
        transactions.c.is_test,
        cast(func.count(), BigInteger).label("count"),
    ).group_by(day, transactions.c.service, transactions.c.channel, transactions.c.is_test)


async def stored_rollup_counts(connection: AsyncConnection) -> dict[RollupCountKey, int]:
    rows = await connection.execute(
        select(
            daily_rollups.c.day,
            daily_rollups.c.service,
            daily_rollups.c.channel,
            daily_rollups.c.is_test,
            daily_rollups.c.count,
        )
    )
    return {(day, service, channel, is_test): int(count) for day, service, channel, is_test, count in rows if count}


async def rebuilt_rollup_counts(connection: AsyncConnection) -> dict[RollupCountKey, int]:
    """The rollups recomputed from the raw transactions (a full scan: for checks and rebuilds only)."""
    rows = await connection.execute(_transactions_by_day())
    return {(day, service, channel, is_test): int(count) for day, service, channel, is_test, count in rows}


def _mismatches(stored: Mapping[RollupCountKey, int], rebuilt: Mapping[RollupCountKey, int]) -> list[RollupMismatch]:
    return [
        RollupMismatch(*key, stored=stored.get(key, 0), rebuilt=rebuilt.get(key, 0))
        for key in sorted(set(stored) | set(rebuilt))
        if stored.get(key, 0) != rebuilt.get(key, 0)
    ]


async def check_rollups(connection: AsyncConnection) -> list[RollupMismatch]:
    """Every day, service, channel and test flag where the stored rollup differs from the raw data."""
    return _mismatches(await stored_rollup_counts(connection), await rebuilt_rollup_counts(connection))


async def rebuild_rollups(connection: AsyncConnection, tenant: TenantContext) -> RebuildOutcome:
    """Recompute every rollup from the raw transactions, reporting what was wrong before.

    Submissions wait while this runs (the table lock), so none is counted twice or missed.
    Offline counts live in their own table and are not touched. Closed months keep their rollups as
    signed off (their differences are still reported); an operator reopens a month to rebuild it.
    """
    await connection.execute(text(f'LOCK TABLE "{tenant.schema}".daily_rollups IN EXCLUSIVE MODE'))
    stored = await stored_rollup_counts(connection)
    rebuilt = await rebuilt_rollup_counts(connection)
    await closed_among(connection, ())  # waits for a closing in progress
    closed = select(signed_off_months.c.month)
    await connection.execute(
        delete(daily_rollups).where(cast(func.date_trunc("month", daily_rollups.c.day), Date).not_in(closed))
    )
    await forget_monthly_contacts(connection)
    rebuild = _transactions_by_day().subquery()
    await connection.execute(
        insert(daily_rollups).from_select(
            ["day", "service", "channel", "is_test", "count"],
            select(rebuild.c.day, rebuild.c.service, rebuild.c.channel, rebuild.c.is_test, rebuild.c.count).where(
                cast(func.date_trunc("month", rebuild.c.day), Date).not_in(closed)
            ),
        )
    )
    return RebuildOutcome(rows=len(rebuilt), mismatches=tuple(_mismatches(stored, rebuilt)))


def month_starts(period: ReportPeriod) -> list[date]:
    """The first day of every month that starts inside the period, after its first day."""
    starts: list[date] = []
    year, month = period.start.year, period.start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        first = date(year, month, 1)
        if first > period.end:
            return starts
        starts.append(first)


def _contacts(*day_conditions: Any) -> Any:
    """Every contact per day, service and channel: platform transactions (not test data) and offline
    counts, with keyed-in requests reconciled with imported counts (``reconciled_count``)."""
    rollup_days = or_(*(condition(daily_rollups.c.day) for condition in day_conditions))
    offline_days = or_(*(condition(offline_contact_counts.c.day) for condition in day_conditions))
    return _reconciled(rollup_days, offline_days)


def _reconciled(rollup_days: ColumnElement[bool], offline_days: ColumnElement[bool]) -> Any:
    sources = union_all(
        select(
            daily_rollups.c.day,
            daily_rollups.c.service,
            daily_rollups.c.channel,
            daily_rollups.c.count,
            literal(PLATFORM).label("source"),
        ).where(daily_rollups.c.is_test.is_(False), rollup_days),
        select(
            offline_contact_counts.c.day,
            offline_contact_counts.c.service,
            offline_contact_counts.c.channel,
            offline_contact_counts.c.count,
            offline_contact_counts.c.source,
        ).where(offline_days),
    ).subquery("sources")
    return (
        select(
            sources.c.day,
            sources.c.service,
            sources.c.channel,
            reconciled_count(sources.c.channel, sources.c.count, sources.c.source).label("count"),
        )
        .group_by(sources.c.day, sources.c.service, sources.c.channel)
        .subquery("contacts")
    )


PLATFORM = "platform"
_STAFFED = tuple(channel.value for channel in STAFFED_CHANNELS)


def reconciled_count(channel: Any, count: Any, source: Any) -> ColumnElement[Any]:
    """A day's contacts for one service and channel, from its rows of every source.

    Assisted digital: a request an officer keys in for a caller is a platform transaction on the
    staffed channel the caller used (phone, face to face...), and the same call is in any phone log the
    council imports. An imported count for a staffed channel is taken as the day's total, keyed-in
    requests included, so the two are never added: the day counts the larger of the imported count
    and the keyed-in requests (an import lower than the requests keyed in that day missed some). With
    no import, the keyed-in requests count. Contact-log entries are contacts of their own and add.
    Digital channels simply add up.
    """

    def total(kind: str) -> ColumnElement[Any]:
        return func.coalesce(func.sum(count).filter(source == kind), 0)

    keyed_in, imported = total(PLATFORM), total(IMPORTED)
    counted_twice = case((channel.in_(_STAFFED), func.least(keyed_in, imported)), else_=0)
    return cast(func.sum(count) - counted_twice, BigInteger)


def _between(first: date, last: date) -> Any:
    return lambda day: day.between(first, last)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def closed_months(period: ReportPeriod, boundaries: Iterable[date], today: date) -> list[date]:
    """The months a report can read from the monthly cache: the first day of each.

    A month qualifies when it lies wholly inside the period, no boundary day (unit-cost change or split)
    falls after its first day, and it ended before yesterday (UK time), so no submission can still be
    counted in it: a submission's count is for the day it is made.
    """
    inside = {day for day in boundaries if day.day != 1}
    months: list[date] = []
    month = period.start if period.start.day == 1 else _month_end(period.start) + timedelta(days=1)
    while (end := _month_end(month)) <= period.end and end < today - timedelta(days=1):
        if not any(month < day <= end for day in inside):
            months.append(month)
        month = end + timedelta(days=1)
    return months


async def _lock_monthly_cache(connection: AsyncConnection) -> None:
    # Fillers and forgetters take turns: a filler never stores counts read before a change it missed.
    schema = routed_schema(connection)
    await connection.execute(text(f'LOCK TABLE "{schema}".monthly_contact_months IN SHARE ROW EXCLUSIVE MODE'))


async def forget_monthly_contacts(connection: AsyncConnection, days: Iterable[date] | None = None) -> None:
    """Empty the monthly cache for the months of these days (every month if None), in the caller's transaction.

    Whatever changes a past day's daily rollups or offline counts calls this (offline imports, rebuilds,
    ``record_contact`` for a past month), so the next report recounts those months from the daily rows;
    the reports nodes remember are worked out again too (``savings_inputs_changed``).
    """
    await savings_inputs_changed(connection)
    await _lock_monthly_cache(connection)
    if days is None:
        await connection.execute(delete(monthly_contact_rollups))
        await connection.execute(delete(monthly_contact_months))
        return
    months = sorted({day.replace(day=1) for day in days})
    if months:
        await connection.execute(delete(monthly_contact_rollups).where(monthly_contact_rollups.c.month.in_(months)))
        await connection.execute(delete(monthly_contact_months).where(monthly_contact_months.c.month.in_(months)))


def _cached_rows(months: Sequence[date]) -> Any:
    return select(
        monthly_contact_rollups.c.first_day,
        monthly_contact_rollups.c.service,
        monthly_contact_rollups.c.channel,
        monthly_contact_rollups.c.count,
    ).where(monthly_contact_rollups.c.month.in_(months))


async def monthly_contacts(connection: AsyncConnection, months: Sequence[date]) -> list[RollupRow]:
    """Contacts per service and channel in each of these closed months, dated on the first day with contacts.

    The same rows ``contact_rollups`` gives for a month with no boundary inside it. Months not cached yet
    are counted from the daily rows and stored first.
    """
    if not months:
        return []
    # The rows of the months marked as cached, and the marks, in one statement (one snapshot): a month
    # whose mark is missing (never counted, or forgotten) is counted below.
    marked = monthly_contact_months.c.month.in_(months)
    markers = select(monthly_contact_months.c.month, null(), null(), literal_column("0", BigInteger)).where(marked)
    rows = _cached_rows(months).where(
        monthly_contact_rollups.c.month.in_(select(monthly_contact_months.c.month).where(marked))
    )
    of, channels = RollupRow.of, _CHANNEL
    found: list[RollupRow] = []
    cached: set[date] = set()
    for day, service, channel, count in (await connection.execute(union_all(rows, markers))).all():
        if service is None:
            cached.add(day)
        else:
            found.append(of(day, service, channels[channel], count))
    missing = [month for month in months if month not in cached]
    if not missing:
        return found
    if is_read_only(_options(connection)):  # on the replica: counted here, stored by the primary later
        return found + [
            RollupRow.of(day, service, _CHANNEL[channel], int(count))
            for _, service, channel, day, count in await connection.execute(_counted_months(missing))
        ]
    await _store_monthly_contacts(connection, missing)
    return found + [
        RollupRow.of(day, service, _CHANNEL[channel], int(count))
        for day, service, channel, count in await connection.execute(_cached_rows(missing))
    ]


def _options(connection: AsyncConnection) -> dict[str, Any]:
    return dict(connection.sync_connection.get_execution_options()) if connection.sync_connection else {}


def _counted_months(months: Sequence[date]) -> Any:
    """Each month's contacts per service and channel, from the daily rows: month, service, channel,
    first day with contacts, count."""
    contacts = _contacts(*(_between(month, _month_end(month)) for month in months))
    month = cast(func.date_trunc("month", contacts.c.day), Date)
    return (
        select(
            month,
            contacts.c.service,
            contacts.c.channel,
            func.min(contacts.c.day),
            cast(func.sum(contacts.c.count), BigInteger),
        )
        .group_by(month, contacts.c.service, contacts.c.channel)
        .having(func.sum(contacts.c.count) > 0)
    )


async def _store_monthly_contacts(connection: AsyncConnection, months: Sequence[date]) -> None:
    await _lock_monthly_cache(connection)
    # Under the lock, another report may have stored some of them meanwhile: theirs are the same.
    await connection.execute(
        insert(monthly_contact_rollups)
        .from_select(["month", "service", "channel", "first_day", "count"], _counted_months(months))
        .on_conflict_do_nothing()
    )
    await connection.execute(
        insert(monthly_contact_months).values([{"month": month} for month in months]).on_conflict_do_nothing()
    )


async def fill_monthly_contacts(connection: AsyncConnection, tenant: TenantContext, today: date | None = None) -> int:
    """Store every closed month a report could read from the cache and nobody stored yet (a report on the
    read replica cannot store them); how many were stored. Run on the primary, by the housekeeping."""
    since = await first_contact_day(connection)
    if since is None:
        return 0
    today = today or uk_day(datetime.now(UTC))
    costs = await council_unit_costs(connection, tenant)
    period = ReportPeriod(start=since.replace(day=1), end=today)
    months = closed_months(period, cost_change_days(costs.schedule), today)
    if not months:
        return 0
    stored = set(
        await connection.scalars(
            select(monthly_contact_months.c.month).where(monthly_contact_months.c.month.in_(months))
        )
    )
    missing = [month for month in months if month not in stored]
    if missing:
        await _store_monthly_contacts(connection, missing)
    return len(missing)


async def contact_rollups(
    connection: AsyncConnection,
    period: ReportPeriod,
    *,
    cost_changes: Iterable[date] = (),
    splits: Iterable[date] = (),
    today: date | None = None,
) -> list[RollupRow]:
    """Contacts in the period (platform transactions, not test data, plus imported offline counts).

    PostgreSQL sums the daily rows over stretches of days that cross no month boundary, no unit-cost
    change (``cost_changes``) and no other day given in ``splits`` (such as the start of a shorter report
    period inside this one), giving one row per stretch, service and channel, dated on its first day with
    contacts. Unit costs are constant within a stretch and the engine's costs are linear in the counts,
    so every report figure is exactly that of the daily rows, from a small fraction of the rows.

    A closed month that is one whole stretch comes from the monthly cache (``monthly_contacts``): the
    same rows, without reading the month's daily rows. ``today`` (UK time) decides which months are closed.
    """
    changes = {day for day in (*cost_changes, *splits) if period.start < day <= period.end}
    cached_months = closed_months(period, changes, today or uk_day(datetime.now(UTC)))
    rows = await monthly_contacts(connection, cached_months)
    # The days left to read from the daily rows: the period less the cached months, as runs of days.
    runs: list[tuple[date, date]] = []
    first = period.start
    for month in (*cached_months, period.end + timedelta(days=1)):
        if first < month:
            runs.append((first, min(month - timedelta(days=1), period.end)))
        first = max(first, _month_end(month) + timedelta(days=1))
    if not runs:
        return rows
    contacts = _contacts(*(_between(start, end) for start, end in runs))
    boundaries = sorted(changes | set(month_starts(period)))
    # Days are numbered from the period's first day, and width_bucket finds each day's stretch by bisection.
    offsets = [(day - period.start).days for day in boundaries]
    day_number = cast(contacts.c.day - period.start, Integer)
    stretch = func.width_bucket(day_number, literal(offsets, ARRAY(Integer))) if offsets else literal(0)
    query = (
        select(
            func.min(contacts.c.day).label("day"),
            contacts.c.service,
            contacts.c.channel,
            cast(func.sum(contacts.c.count), BigInteger).label("count"),
        )
        .group_by(stretch, contacts.c.service, contacts.c.channel)
        .having(func.sum(contacts.c.count) > 0)
    )
    of, channels = RollupRow.of, _CHANNEL
    return rows + [
        of(day, service, channels[channel], count)
        for day, service, channel, count in (await connection.execute(query)).all()
    ]


async def daily_contact_rollups(
    connection: AsyncConnection, *, before: date | None = None, since: date | None = None
) -> list[RollupRow]:
    """Contacts per day, service and channel: transactions and offline counts, as ``reconciled_count`` adds them."""
    conditions_rollups: list[ColumnElement[bool]] = []
    conditions_offline: list[ColumnElement[bool]] = []
    if before is not None:
        conditions_rollups.append(daily_rollups.c.day < before)
        conditions_offline.append(offline_contact_counts.c.day < before)
    if since is not None:
        conditions_rollups.append(daily_rollups.c.day >= since)
        conditions_offline.append(offline_contact_counts.c.day >= since)
    contacts = _reconciled(and_(true(), *conditions_rollups), and_(true(), *conditions_offline))
    query = select(contacts.c.day, contacts.c.service, contacts.c.channel, contacts.c.count)
    return [
        RollupRow(day=day, service=service, channel=Channel(channel), count=int(count))
        for day, service, channel, count in await connection.execute(query)
        if count
    ]


async def first_contact_day(connection: AsyncConnection) -> date | None:
    """The earliest day with a contact (a count above 0): where "savings to date" start counting."""
    first_rollup = (
        select(func.min(daily_rollups.c.day))
        .where(daily_rollups.c.is_test.is_(False), daily_rollups.c.count > 0)
        .scalar_subquery()
    )
    first_offline = (
        select(func.min(offline_contact_counts.c.day)).where(offline_contact_counts.c.count > 0).scalar_subquery()
    )
    day: date | None = await connection.scalar(select(func.least(first_rollup, first_offline)))
    return day


# --- offline contacts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredImport:
    accepted: int
    rejected: int
    changed: int
    """Accepted rows that were new or changed an earlier count; the rest were already stored as they are."""
    already_imported: bool
    """The same rows were imported before (the file's fingerprint is known)."""


@dataclass(frozen=True)
class _ImportColumns:
    """An import's accepted rows as one list per column, and its fingerprint: worked out off the event loop."""

    fingerprint: str
    days: list[date]
    services: list[str]
    channels: list[str]
    counts: list[int]
    months: list[date]


def _import_columns(parsed: OfflineImport) -> _ImportColumns:
    rows = parsed.accepted
    return _ImportColumns(
        fingerprint=parsed.fingerprint,
        days=[row.day for row in rows],
        services=[row.service for row in rows],
        channels=[row.channel.value for row in rows],
        counts=[row.count for row in rows],
        months=sorted({row.day.replace(day=1) for row in rows}),
    )


IMPORT_BATCH = 10_000
_imported = (
    func.unnest(
        bindparam("days", type_=ARRAY(Date)),
        bindparam("services", type_=ARRAY(Text)),
        bindparam("channels", type_=ARRAY(Text)),
        bindparam("counts", type_=ARRAY(Integer)),
    )
    .table_valued("day", "service", "channel", "count")
    .render_derived(name="imported")
)
_UPSERT_IMPORTED = insert(offline_contact_counts).from_select(
    ["day", "service", "channel", "count", "source"],
    select(_imported.c.day, _imported.c.service, _imported.c.channel, _imported.c.count, literal(IMPORTED)),
)
# One statement per batch, its four columns sent as arrays: compiled once, so a large file costs the
# event loop next to nothing (a VALUES list of thousands of rows took a second to compile per batch).
UPSERT_IMPORTED = _UPSERT_IMPORTED.on_conflict_do_update(
    index_elements=[
        offline_contact_counts.c.day,
        offline_contact_counts.c.service,
        offline_contact_counts.c.channel,
        offline_contact_counts.c.source,
    ],
    set_={"count": _UPSERT_IMPORTED.excluded.count, "imported_at": func.now()},
    where=offline_contact_counts.c.count.is_distinct_from(_UPSERT_IMPORTED.excluded.count),
).returning(offline_contact_counts.c.day)


async def store_offline_import(
    connection: AsyncConnection, parsed: OfflineImport, *, source: str, imported_by: str
) -> StoredImport:
    """Store a checked file's accepted rows: each count replaces any earlier imported count for its key.

    Counts from the back office's contact log are a source of their own, which an import never touches.
    """
    columns = await asyncio.to_thread(_import_columns, parsed)
    await refuse_closed_days(connection, columns.months, "This import")
    already = (
        await connection.scalar(
            select(func.count())
            .select_from(offline_imports)
            .where(offline_imports.c.fingerprint == columns.fingerprint)
        )
        or 0
    ) > 0
    changed = 0
    for start in range(0, len(columns.days), IMPORT_BATCH):
        batch = slice(start, start + IMPORT_BATCH)
        upserted = await connection.execute(
            UPSERT_IMPORTED,
            {
                "days": columns.days[batch],
                "services": columns.services[batch],
                "channels": columns.channels[batch],
                "counts": columns.counts[batch],
            },
        )
        changed += len(upserted.all())
    if columns.months:
        await forget_monthly_contacts(connection, columns.months)
    await connection.execute(
        insert(offline_imports).values(
            source=source[:255],
            fingerprint=columns.fingerprint,
            accepted_rows=len(parsed.accepted),
            rejected_rows=len(parsed.rejected),
            changed_rows=changed,
            imported_by=imported_by[:255],
        )
    )
    return StoredImport(
        accepted=len(parsed.accepted), rejected=len(parsed.rejected), changed=changed, already_imported=already
    )


# --- unit costs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilUnitCosts:
    """A council's unit costs and where each override came from ("definition" file or "api")."""

    schedule: UnitCostSchedule
    sources: dict[tuple[Channel, str | None, date], str]


async def council_definition(connection: AsyncConnection, tenant: TenantContext) -> dict[str, Any]:
    definition: dict[str, Any] | None = await connection.scalar(
        select(tenants.c.definition).where(tenants.c.id == tenant.id)
    )
    return definition or {}


async def council_unit_costs(
    connection: AsyncConnection, tenant: TenantContext, *, definition: dict[str, Any] | None = None
) -> CouncilUnitCosts:
    """Platform defaults, then the council's definition file, then overrides set through the API.

    ``unit_costs`` in the definition replace the platform default of a channel for all time; its
    ``unit_cost_overrides`` and the API's overrides are effective-dated. An API override for the same
    channel, service and start date as one in the file wins. Give ``definition`` to see the costs a
    changed definition would give.
    """
    if definition is None:
        definition = await council_definition(connection, tenant)
    defaults = dict(PLATFORM_DEFAULT_UNIT_COSTS)
    for channel, cost in (definition.get("unit_costs") or {}).items():
        defaults[Channel(channel)] = Decimal(str(cost))
    overrides: dict[tuple[Channel, str | None, date], UnitCostOverride] = {}
    sources: dict[tuple[Channel, str | None, date], str] = {}
    for item in definition.get("unit_cost_overrides") or ():
        override = UnitCostOverride(
            channel=Channel(item["channel"]),
            unit_cost=Decimal(str(item["cost"])),
            service=item.get("service"),
            effective_from=date.fromisoformat(item["effective_from"]) if item.get("effective_from") else FROM_THE_START,
        )
        key = (override.channel, override.service, override.effective_from)
        overrides[key], sources[key] = override, "definition"
    rows = await connection.execute(
        select(
            unit_cost_overrides.c.channel,
            unit_cost_overrides.c.service,
            unit_cost_overrides.c.effective_from,
            unit_cost_overrides.c.unit_cost,
        )
    )
    for row in rows:
        override = UnitCostOverride(
            channel=Channel(row.channel),
            unit_cost=row.unit_cost,
            service=row.service,
            effective_from=row.effective_from,
        )
        key = (override.channel, override.service, override.effective_from)
        overrides[key], sources[key] = override, "api"
    ordered = tuple(overrides[key] for key in sorted(overrides, key=lambda k: (k[2], k[0].value, k[1] or "")))
    return CouncilUnitCosts(schedule=UnitCostSchedule(defaults=defaults, overrides=ordered), sources=sources)


class UnitCostExistsError(Exception):
    """A unit cost for the same channel, service and start date is already set."""

    def __init__(self, existing: UnitCostOverride) -> None:
        self.existing = existing
        super().__init__(
            f"A unit cost of £{existing.unit_cost} for {existing.channel.value}"
            f" ({existing.service or 'council-wide'}) already starts on {existing.effective_from.isoformat()}."
            " Send replace: true to replace it."
        )


async def change_unit_cost(
    connection: AsyncConnection,
    tenant: TenantContext,
    override: UnitCostOverride,
    *,
    note: str | None = None,
    replace: bool = False,
) -> None:
    """Set a unit cost from a date, refusing to replace one with the same start date unless asked to,
    and refusing a cost that would price a closed month differently (``ClosedMonthError``)."""
    costs = await council_unit_costs(connection, tenant)
    key = (override.channel, override.service, override.effective_from)
    others = tuple(
        existing
        for existing in costs.schedule.overrides
        if (existing.channel, existing.service, existing.effective_from) != key
    )
    existing = next((item for item in costs.schedule.overrides if item not in others), None)
    if existing is not None and costs.sources.get(key) == "api" and not replace:
        raise UnitCostExistsError(existing)
    after = costs.schedule.model_copy(update={"overrides": (*others, override)})
    await refuse_unit_cost_change(connection, costs.schedule, after, "This unit cost")
    await set_unit_cost(connection, override, note=note)


async def set_unit_cost(connection: AsyncConnection, override: UnitCostOverride, *, note: str | None = None) -> None:
    """Set the council's unit cost for a channel (and service) from a date; the same start date replaces.

    Checks nothing: callers on behalf of people use ``change_unit_cost``."""
    statement = insert(unit_cost_overrides).values(
        channel=override.channel.value,
        service=override.service,
        effective_from=override.effective_from,
        unit_cost=override.unit_cost,
        note=note,
    )
    await savings_inputs_changed(connection)
    await connection.execute(
        statement.on_conflict_do_update(
            constraint="uq_unit_cost_overrides_channel_service_effective_from",
            set_={"unit_cost": statement.excluded.unit_cost, "note": statement.excluded.note, "created_at": func.now()},
        )
    )


def cost_change_days(schedule: UnitCostSchedule) -> set[date]:
    return {override.effective_from for override in schedule.overrides}


# --- baselines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBaseline:
    service: str
    mix: BaselineMix
    source: str
    measured_from: date | None
    measured_before: date | None
    volume: BaselineVolume | None = None
    """The contacts the mix was measured from, when known: what the cashable saving compares with."""


def _stored_volume(rows: Sequence[Any]) -> BaselineVolume | None:
    if any(row.contacts is None for row in rows):
        return None
    return BaselineVolume(
        contacts={Channel(row.channel): row.contacts for row in rows},
        days=rows[0].window_days,
        measured_before=rows[0].measured_before,
    )


async def council_baseline(connection: AsyncConnection) -> dict[str, StoredBaseline]:
    rows = await connection.execute(select(baseline_mixes).order_by(baseline_mixes.c.service, baseline_mixes.c.channel))
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.service, []).append(row)
    return {
        service: StoredBaseline(
            service=service,
            mix=BaselineMix(shares={Channel(row.channel): row.share.normalize() for row in service_rows if row.share}),
            source=service_rows[0].source,
            measured_from=service_rows[0].measured_from,
            measured_before=service_rows[0].measured_before,
            volume=_stored_volume(service_rows),
        )
        for service, service_rows in grouped.items()
    }


async def set_baseline(
    connection: AsyncConnection,
    service: str,
    mix: BaselineMix,
    *,
    source: str = "set",
    measured_from: date | None = None,
    measured_before: date | None = None,
    volume: BaselineVolume | None = None,
) -> None:
    """Replace one service's baseline mix (and the contacts it was measured from, if known);
    ``ClosedMonthError`` if the service had contacts in a closed month.

    A channel with contacts but a share too small to keep is stored with a share of 0, so the volume
    stays whole.
    """
    await refuse_baseline_change(connection, [service], f"A baseline for {service}")
    await savings_inputs_changed(connection)
    await connection.execute(delete(baseline_mixes).where(baseline_mixes.c.service == service))
    channels = [channel for channel in Channel if mix.share(channel) or (volume and volume.contacts.get(channel))]
    rows = [
        {
            "service": service,
            "channel": channel.value,
            "share": mix.share(channel),
            "source": source,
            "measured_from": measured_from,
            "measured_before": measured_before,
            "contacts": volume.contacts.get(channel, 0) if volume else None,
            "window_days": volume.days if volume else None,
        }
        for channel in channels
    ]
    if rows:
        await connection.execute(insert(baseline_mixes), rows)


async def derive_and_store_baseline(
    connection: AsyncConnection, *, before: date, since: date | None = None
) -> dict[str, BaselineMix]:
    """Each service's mix from its contacts before ``before`` (and since ``since``), stored as its baseline.

    Contacts are the imported offline counts plus the platform's own transactions, so a date after
    go-live measures the shift since then. Services with no contacts in the window keep their baseline.
    """
    volumes = derive_baseline_volumes(
        await daily_contact_rollups(connection, before=before, since=since), before=before, since=since
    )
    derived = {service: baseline_mix_from_counts(volume.contacts) for service, volume in volumes.items()}
    await refuse_baseline_change(connection, derived, f"Baselines for {', '.join(derived)}")
    for service, mix in derived.items():
        await set_baseline(
            connection,
            service,
            mix,
            source="derived",
            measured_from=since,
            measured_before=before,
            volume=volumes[service],
        )
    return derived
