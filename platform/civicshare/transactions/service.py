"""Creating and finding transactions in a council's schema. Callers pass a routed tenant connection.

A new transaction takes the council's next reference, and is written with its first status event and
its count in the savings rollup in ONE statement (a data-modifying CTE). References stay gap-free: a
failed statement (a reused idempotency key) rolls back its number with it.

- `create_transaction` runs it inside the caller's transaction, under a SAVEPOINT so a reused key
  leaves that transaction usable.
- `create_transaction_committed` runs it as a transaction of its own, straight on the driver
  (`civicshare.db.driver`): it is the statement residents trigger most, and the row lock on the
  council's reference counter is then held only inside PostgreSQL, never while the application waits
  for its event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from asyncpg.exceptions import UniqueViolationError  # type: ignore[import-untyped]
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    Integer,
    Numeric,
    String,
    Text,
    bindparam,
    func,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.driver import CouncilStatement
from civicshare.notifications.outbox import submitted_events
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import (
    UK_TIME_NAME,
    daily_rollups,
    reference_sequences,
    transaction_events,
    transactions,
)


@dataclass(frozen=True)
class NewTransaction:
    module: str
    service: str
    channel: str
    status: str
    answers: dict[str, Any]
    submitter_kind: str = "anonymous"
    contact_email: str | None = None
    resident_subject: str | None = None
    staff_subject: str | None = None
    actor: str = "resident"
    contact_phone: str | None = None
    derived: dict[str, Any] = field(default_factory=dict)
    latitude: Decimal | float | None = None
    longitude: Decimal | float | None = None
    address: str | None = None
    usrn: str | None = None
    fee_pence: int | None = None
    payment_status: str | None = None
    idempotency_key: str | None = None
    request_fingerprint: str | None = None
    due_on: date | None = None


class DuplicateSubmission(Exception):
    """A transaction with this idempotency key already exists at the council; `existing` is its row."""

    def __init__(self, existing: dict[str, Any]) -> None:
        super().__init__(f"idempotency key already used by {existing['reference']}")
        self.existing = existing


# The columns a new transaction is given, each sent as an array with one element per transaction.
_GIVEN: dict[str, Any] = {
    "module": String,
    "service": String,
    "channel": String,
    "status": String,
    "answers": JSONB,
    "derived": JSONB,
    "submitter_kind": String,
    "contact_email": String,
    "contact_phone": String,
    "resident_subject": String,
    "staff_subject": String,
    "latitude": Numeric(9, 6),
    "longitude": Numeric(9, 6),
    "address": Text,
    "usrn": String,
    "fee_pence": Integer,
    "payment_status": String,
    "idempotency_key": String,
    "request_fingerprint": String,
    "due_on": Date,
}


def create_statement(*, count_contact: bool = True, with_events: bool = True) -> Any:
    """INSERT one or more transactions of a council with their next reference numbers, first events,
    rollup counts and `request.submitted` outbox events, RETURNING the rows.

    Parameters: `year`, `reference_stem` (`KNG-2026-`), `count`, `is_test`, and for each column in
    _GIVEN plus `actor` an array named `<column>s`, element i describing transaction i.
    """
    count = bindparam("count", type_=Integer)
    given = func.unnest(
        *(bindparam(f"{name}s", type_=ARRAY(kind)) for name, kind in {**_GIVEN, "actor": String}.items())
    )
    submitted = given.table_valued(*_GIVEN, "actor", with_ordinality="ordinal").render_derived(name="submitted")
    number = (
        insert(reference_sequences)
        .values(year=bindparam("year", type_=Integer), last_number=count)
        .on_conflict_do_update(
            index_elements=[reference_sequences.c.year],
            set_={"last_number": reference_sequences.c.last_number + count},
        )
        .returning(reference_sequences.c.last_number)
        .cte("number")
    )
    digits = func.cast(number.c.last_number - count + submitted.c.ordinal, Text)
    reference = bindparam("reference_stem", type_=String) + func.lpad(
        digits, func.greatest(6, func.length(digits)), "0"
    )
    created = (
        insert(transactions)
        .from_select(
            ["reference", *_GIVEN, "is_test"],
            select(reference, *(submitted.c[name] for name in _GIVEN), bindparam("is_test", type_=Boolean))
            .select_from(number)
            .join(submitted, true())
            .order_by(submitted.c.ordinal),
        )
        .returning(*transactions.c)
        .cte("created")
    )
    first_event = (
        insert(transaction_events)
        .from_select(
            ["transaction_id", "from_status", "to_status", "actor"],
            select(created.c.id, null(), created.c.status, submitted.c.actor)
            .select_from(number)
            .join(submitted, true())
            .join(created, created.c.reference == reference),
        )
        .cte("first_event")
    )
    # The council's savings rollup counts the contacts in the same statement, so they commit or roll
    # back with the transactions themselves; the day is the contact's date in UK local time.
    day = func.cast(func.timezone(UK_TIME_NAME, created.c.created_at), Date)
    counted = insert(daily_rollups).from_select(
        ["day", "service", "channel", "is_test", "count"],
        select(day, created.c.service, created.c.channel, created.c.is_test, func.count())
        .select_from(created)
        .group_by(day, created.c.service, created.c.channel, created.c.is_test),
    )
    rollup = counted.on_conflict_do_update(
        index_elements=[daily_rollups.c.day, daily_rollups.c.service, daily_rollups.c.channel, daily_rollups.c.is_test],
        set_={"count": daily_rollups.c.count + counted.excluded.count},
    ).cte("rollup")
    statement = select(created).add_cte(first_event)
    if with_events:
        statement = statement.add_cte(submitted_events(created))
    return statement.add_cte(rollup) if count_contact else statement


CREATE_TRANSACTION = create_statement()
FIND_BY_IDEMPOTENCY_KEY = select(transactions).where(transactions.c.idempotency_key == bindparam("key", type_=String))
RECORD_DERIVED = (
    update(transactions)
    .where(transactions.c.id == bindparam("transaction_id", type_=BigInteger))
    .values(derived=bindparam("derived", type_=JSONB))
)
_CREATE_ON_DRIVER = CouncilStatement(CREATE_TRANSACTION, kept_as_function=True)
_FIND_BY_IDEMPOTENCY_KEY_ON_DRIVER = CouncilStatement(FIND_BY_IDEMPOTENCY_KEY)
_RECORD_DERIVED_ON_DRIVER = CouncilStatement(RECORD_DERIVED)


def _create_parameters(tenant: TenantContext, news: Sequence[NewTransaction]) -> dict[str, Any]:
    year = datetime.now(UTC).year
    parameters: dict[str, Any] = {
        "year": year,
        "reference_stem": f"{tenant.reference_prefix}-{year}-",
        "count": len(news),
        "is_test": tenant.is_trial,
        "actors": [new.actor for new in news],
    }
    for name in _GIVEN:
        parameters[f"{name}s"] = [getattr(new, name) for new in news]
    parameters["contact_emails"] = [new.contact_email.lower() if new.contact_email else None for new in news]
    return parameters


def _in_given_order(rows: list[dict[str, Any]], stem: str) -> list[dict[str, Any]]:
    """The statement's rows in the order the transactions were given (their numbers run consecutively)."""
    return sorted(rows, key=lambda row: int(str(row["reference"])[len(stem) :]))


async def create_transaction(connection: AsyncConnection, tenant: TenantContext, new: NewTransaction) -> dict[str, Any]:
    """Write a new transaction with the council's next reference, inside the caller's transaction (under
    a SAVEPOINT); DuplicateSubmission if its idempotency key was used.

    When two requests race with the same idempotency key, the second waits on the council's reference
    counter, then fails on the key's unique index: its statement (number included) rolls back, and it
    raises DuplicateSubmission with the first's row.
    """
    try:
        async with connection.begin_nested():
            result = await connection.execute(CREATE_TRANSACTION, _create_parameters(tenant, [new]))
            return dict(result.mappings().one())
    except IntegrityError as error:
        existing = await find_by_idempotency_key(connection, new.idempotency_key) if new.idempotency_key else None
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from error


async def create_transaction_committed(
    engine: AsyncEngine, tenant: TenantContext, new: NewTransaction
) -> dict[str, Any]:
    """`create_transaction` as a transaction of its own, run on the driver (`civicshare.db.driver`).

    The reference counter's row lock is then held only inside PostgreSQL, never while the application
    waits for its event loop.
    """
    try:
        row = await _CREATE_ON_DRIVER.fetch_one(engine, tenant.schema, _create_parameters(tenant, [new]))
    except UniqueViolationError as error:
        existing = None
        if new.idempotency_key:
            existing = await _FIND_BY_IDEMPOTENCY_KEY_ON_DRIVER.fetch_one(
                engine, tenant.schema, {"key": new.idempotency_key}
            )
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from error
    assert row is not None  # the INSERT always returns its row
    return row


async def create_transactions_committed(
    engine: AsyncEngine, tenant: TenantContext, news: Sequence[NewTransaction]
) -> list[dict[str, Any]]:
    """Several new transactions in ONE statement of their own, on the driver; their rows in the order given.

    All or nothing: if one of them cannot be written (a reused idempotency key), none is, and the
    error is raised for the caller to write them one by one (`create_transaction_committed`).
    """
    parameters = _create_parameters(tenant, news)
    rows = await _CREATE_ON_DRIVER.fetch_all(engine, tenant.schema, parameters)
    assert len(rows) == len(news)  # the INSERT returns every row it wrote
    return _in_given_order(rows, parameters["reference_stem"])


async def record_derived(connection: AsyncConnection, transaction_id: int, derived: dict[str, Any]) -> None:
    await connection.execute(RECORD_DERIVED, {"transaction_id": transaction_id, "derived": derived})


async def record_derived_committed(
    engine: AsyncEngine, tenant: TenantContext, transaction_id: int, derived: dict[str, Any]
) -> None:
    parameters = {"transaction_id": transaction_id, "derived": derived}
    await _RECORD_DERIVED_ON_DRIVER.fetch_one(engine, tenant.schema, parameters)


async def find_by_idempotency_key(connection: AsyncConnection, key: str) -> dict[str, Any] | None:
    found = (await connection.execute(FIND_BY_IDEMPOTENCY_KEY, {"key": key})).mappings().one_or_none()
    return dict(found) if found is not None else None


async def find_by_reference(
    connection: AsyncConnection, reference: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    query = select(transactions).where(transactions.c.reference == normalise_reference(reference))
    if for_update:
        query = query.with_for_update()
    found = (await connection.execute(query)).mappings().one_or_none()
    return dict(found) if found is not None else None


async def find_by_reference_and_email(connection: AsyncConnection, reference: str, email: str) -> dict[str, Any] | None:
    """A transaction for an anonymous resident: the reference AND the email they gave must both match."""
    row = (
        (
            await connection.execute(
                select(transactions).where(
                    transactions.c.reference == normalise_reference(reference),
                    func.lower(transactions.c.contact_email) == email.strip().lower(),
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    return dict(row) if row is not None else None


async def status_history(connection: AsyncConnection, transaction_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(transaction_events)
        .where(transaction_events.c.transaction_id == transaction_id)
        .order_by(transaction_events.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def note_first_event(connection: AsyncConnection, transaction_id: int, note: str) -> None:
    """Give a new request's first history entry a public note (where it came from: a front door)."""
    await connection.execute(
        update(transaction_events)
        .where(transaction_events.c.transaction_id == transaction_id, transaction_events.c.from_status.is_(None))
        .values(note=note, note_public=True)
    )
