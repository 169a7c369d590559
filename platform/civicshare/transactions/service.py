"""Creating and finding transactions in a council's schema. Callers pass a routed tenant connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.service import record_contact, uk_day
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import next_reference, normalise_reference
from civicshare.transactions.tables import transaction_events, transactions


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


async def create_transaction(connection: AsyncConnection, tenant: TenantContext, new: NewTransaction) -> dict[str, Any]:
    reference = await next_reference(connection, tenant.reference_prefix, datetime.now(UTC).year)
    row = (
        (
            await connection.execute(
                insert(transactions)
                .values(
                    reference=reference,
                    module=new.module,
                    service=new.service,
                    channel=new.channel,
                    status=new.status,
                    answers=new.answers,
                    submitter_kind=new.submitter_kind,
                    contact_email=new.contact_email.lower() if new.contact_email else None,
                    resident_subject=new.resident_subject,
                    staff_subject=new.staff_subject,
                    is_test=tenant.is_trial,
                )
                .returning(transactions)
            )
        )
        .mappings()
        .one()
    )
    await connection.execute(
        insert(transaction_events).values(
            transaction_id=row["id"], from_status=None, to_status=new.status, actor=new.actor
        )
    )
    # The savings rollup commits or rolls back with the transaction itself.
    await record_contact(
        connection, day=uk_day(row["created_at"]), service=new.service, channel=new.channel, is_test=row["is_test"]
    )
    return dict(row)


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
