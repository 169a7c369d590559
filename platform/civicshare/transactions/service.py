"""Creating and finding transactions in a council's schema. Callers pass a routed tenant connection.

`create_transaction` takes the council's next reference, writes the transaction and its first status
event in ONE statement (a data-modifying CTE). On a connection in autocommit mode
(`tenant_autocommit_connection`) that statement is its own transaction, so the row lock on the
council's reference counter is held only inside PostgreSQL, never while the application waits for its
event loop; references stay gap-free because a failed statement (a reused idempotency key) rolls back
its number with it. On a connection inside a transaction the statement runs under a SAVEPOINT, so a
reused key leaves the caller's transaction usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, Numeric, String, Text, bindparam, func, null, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import reference_sequences, transaction_events, transactions


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


def _create_statement() -> Any:
    """INSERT the next reference number, the transaction and its first event, RETURNING the row."""
    number = (
        insert(reference_sequences)
        .values(year=bindparam("year", type_=Integer), last_number=1)
        .on_conflict_do_update(
            index_elements=[reference_sequences.c.year],
            set_={"last_number": reference_sequences.c.last_number + 1},
        )
        .returning(reference_sequences.c.last_number)
        .cte("number")
    )
    digits = func.cast(number.c.last_number, Text)
    reference = bindparam("reference_stem", type_=String) + func.lpad(
        digits, func.greatest(6, func.length(digits)), "0"
    )
    typed: dict[str, Any] = {
        "module": String,
        "service": String,
        "channel": String,
        "status": String,
        "answers": JSONB,
        "derived": JSONB,
        "submitter_kind": String,
        "contact_email": String,
        "resident_subject": String,
        "staff_subject": String,
        "latitude": Numeric(9, 6),
        "longitude": Numeric(9, 6),
        "address": Text,
        "usrn": String,
        "fee_pence": Integer,
        "payment_status": String,
        "is_test": transactions.c.is_test.type,
        "idempotency_key": String,
        "request_fingerprint": String,
        "due_on": Date,
    }
    created = (
        insert(transactions)
        .from_select(
            ["reference", *typed],
            select(reference, *(bindparam(name, type_=kind) for name, kind in typed.items())).select_from(number),
        )
        .returning(*transactions.c)
        .cte("created")
    )
    first_event = (
        insert(transaction_events)
        .from_select(
            ["transaction_id", "from_status", "to_status", "actor"],
            select(
                created.c.id,
                null(),
                created.c.status,
                bindparam("actor", type_=String),
            ).select_from(created),
        )
        .cte("first_event")
    )
    return select(created).add_cte(first_event)


_CREATE = _create_statement()


async def create_transaction(connection: AsyncConnection, tenant: TenantContext, new: NewTransaction) -> dict[str, Any]:
    """Write a new transaction with the council's next reference; DuplicateSubmission if its key was used.

    When two requests race with the same idempotency key, the second waits on the council's reference
    counter, then fails on the key's unique index: its statement (number included) rolls back, and it
    raises DuplicateSubmission with the first's row.
    """
    year = datetime.now(UTC).year
    parameters = {
        "year": year,
        "reference_stem": f"{tenant.reference_prefix}-{year}-",
        "module": new.module,
        "service": new.service,
        "channel": new.channel,
        "status": new.status,
        "answers": new.answers,
        "derived": new.derived,
        "submitter_kind": new.submitter_kind,
        "contact_email": new.contact_email.lower() if new.contact_email else None,
        "resident_subject": new.resident_subject,
        "staff_subject": new.staff_subject,
        "latitude": new.latitude,
        "longitude": new.longitude,
        "address": new.address,
        "usrn": new.usrn,
        "fee_pence": new.fee_pence,
        "payment_status": new.payment_status,
        "is_test": tenant.is_trial,
        "idempotency_key": new.idempotency_key,
        "request_fingerprint": new.request_fingerprint,
        "due_on": new.due_on,
        "actor": new.actor,
    }
    try:
        if connection.in_transaction():
            async with connection.begin_nested():
                row = (await connection.execute(_CREATE, parameters)).mappings().one()
        else:
            row = (await connection.execute(_CREATE, parameters)).mappings().one()
    except IntegrityError as error:
        existing = await find_by_idempotency_key(connection, new.idempotency_key) if new.idempotency_key else None
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from error
    return dict(row)


async def find_by_idempotency_key(connection: AsyncConnection, key: str) -> dict[str, Any] | None:
    row = (await connection.execute(select(transactions).where(transactions.c.idempotency_key == key))).mappings()
    found = row.one_or_none()
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


async def list_for_resident(connection: AsyncConnection, subject: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """A signed-in resident's transactions at this council, newest first."""
    rows = await connection.execute(
        select(transactions)
        .where(transactions.c.resident_subject == subject)
        .order_by(transactions.c.created_at.desc(), transactions.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]


async def status_history(connection: AsyncConnection, transaction_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(transaction_events)
        .where(transaction_events.c.transaction_id == transaction_id)
        .order_by(transaction_events.c.id)
    )
    return [dict(row) for row in rows.mappings()]
