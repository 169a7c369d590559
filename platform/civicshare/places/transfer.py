"""Sending a request on to the council on the platform that is responsible for it.

This is the one deliberate place where one council's action writes into another council's schema,
in ONE database transaction so the two never disagree: the request is created at the receiving council
(its resident hears from that council as for any new request), the sending council closes its own with
a public reason naming the new reference, both record the link and an audit entry, the sending council
logs a wrong-council contact (an avoidable contact in its savings) and writes a `request.transferred`
event to its outbox (the resident's email about the transfer; the closing status's own email is not sent).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.casework.service import Officer, duplicate_closing_status, record_action
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.modules import ModuleRegistry, respond_by
from civicshare.modules.working_days import uk_today
from civicshare.notifications.events import EventKind
from civicshare.notifications.outbox import record_event
from civicshare.places.tables import request_transfers
from civicshare.savings.channels import Channel
from civicshare.savings.contact_log import LoggedContact, log_contact
from civicshare.tenancy.context import TenantContext, TenantStatus
from civicshare.transactions.service import NewTransaction, create_transaction, find_by_reference
from civicshare.transactions.status import change_status


class TransferRefused(Exception):
    """Why this request cannot be sent there, in words fit for the officer."""


@dataclass(frozen=True)
class Transferred:
    reference: str
    receiving_council: str
    new_reference: str


@dataclass(frozen=True)
class TransferLink:
    direction: str  # "out": sent on to the other council; "in": received from it
    other_council: str
    other_council_name: str
    other_reference: str
    reason: str
    officer_name: str | None
    at: datetime


def transfer_reason(receiver: TenantContext, new_reference: str) -> str:
    return (
        f"This is for {receiver.name}, who are responsible for this place: we have sent your request to them."
        f" Its reference there is {new_reference}."
    )


@asynccontextmanager
async def _routed(connection: AsyncConnection, tenant: TenantContext) -> AsyncIterator[AsyncConnection]:
    """Point the connection's tenant tables at this council for the block (the same database transaction)."""
    await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: tenant.schema})
    yield connection


async def transfer_request(
    engine: AsyncEngine,
    *,
    sender: TenantContext,
    receiver: TenantContext,
    sender_offerings: CouncilOfferings,
    receiver_offerings: CouncilOfferings,
    registry: ModuleRegistry,
    reference: str,
    officer: Officer,
    note: str = "",
) -> Transferred:
    if receiver.slug == sender.slug:
        raise TransferRefused("Choose another council: this request is already here")
    if receiver.status is not TenantStatus.ACTIVE:
        raise TransferRefused(f"{receiver.name} is not taking requests on the platform now")
    async with engine.begin() as connection:
        async with _routed(connection, sender) as here:
            row = await find_by_reference(here, reference, for_update=True)
            if row is None:
                raise TransferRefused(f"{sender.name} has no request {reference}")
            offering = receiver_offerings.offering(row["service"])
            if offering is None:
                raise TransferRefused(f"{receiver.name} does not offer this service on the platform")
            workflow = registry.service(row["service"])[1].workflow
            closing = duplicate_closing_status(workflow, row["status"])
            if closing is None:
                raise TransferRefused("This request cannot be closed from its status, so it cannot be sent on")
        async with _routed(connection, receiver) as there:
            created = await create_transaction(
                there,
                receiver,
                NewTransaction(
                    module=row["module"],
                    service=row["service"],
                    channel=row["channel"],
                    status=offering.service.workflow.initial,
                    answers=dict(row["answers"]),
                    submitter_kind=row["submitter_kind"],
                    contact_email=row["contact_email"],
                    resident_subject=row["resident_subject"],
                    actor=f"Sent on by {sender.name}",
                    latitude=row["latitude"],
                    longitude=row["longitude"],
                    address=row["address"],
                    usrn=row["usrn"],
                    due_on=respond_by(offering.service, offering.settings, datetime.now(UTC)),
                ),
            )
            new_reference = str(created["reference"])
            await there.execute(
                insert(request_transfers).values(
                    transaction_id=created["id"],
                    direction="in",
                    other_council=sender.slug,
                    other_council_name=sender.name,
                    other_reference=row["reference"],
                    reason=note,
                    officer_subject=officer.subject,
                    officer_name=f"{officer.name} ({sender.name})",
                )
            )
            await record_action(
                there, officer, "transferred_in", new_reference, **{"from": f"{sender.name} {row['reference']}"}
            )
        async with _routed(connection, sender) as here:
            reason = transfer_reason(receiver, new_reference)
            await change_status(
                here, sender, row["reference"], closing, officer.name, reason,
                reason_public=True, registry=registry, offerings=sender_offerings,
                event_data={"transferred_to": receiver.slug},
            )  # fmt: skip
            await here.execute(
                insert(request_transfers).values(
                    transaction_id=row["id"],
                    direction="out",
                    other_council=receiver.slug,
                    other_council_name=receiver.name,
                    other_reference=new_reference,
                    reason=note,
                    officer_subject=officer.subject,
                    officer_name=officer.name,
                )
            )
            await record_action(
                here, officer, "transferred", row["reference"], to=f"{receiver.name} {new_reference}", note=note or None
            )
            channel = Channel(row["channel"]) if row["channel"] in Channel.__members__.values() else Channel.WEB
            await log_contact(
                here,
                LoggedContact(
                    service=row["service"], channel=channel, reason="wrong_council", reference=row["reference"]
                ),
                day=uk_today(),
                officer_subject=officer.subject,
                officer_name=officer.name,
            )
            await record_event(
                here,
                kind=EventKind.TRANSFERRED,
                transaction_id=row["id"],
                reference=row["reference"],
                service=row["service"],
                data={"council": receiver.slug, "council_name": receiver.name, "reference": new_reference},
            )
    return Transferred(row["reference"], receiver.slug, new_reference)


async def transfers_of(connection: AsyncConnection, transaction_id: int) -> list[TransferLink]:
    """Where this request was sent, or where it came from (a routed tenant connection)."""
    rows = await connection.execute(
        select(request_transfers)
        .where(request_transfers.c.transaction_id == transaction_id)
        .order_by(request_transfers.c.id)
    )
    return [
        TransferLink(
            r.direction, r.other_council, r.other_council_name, r.other_reference, r.reason, r.officer_name, r.at
        )
        for r in rows
    ]
