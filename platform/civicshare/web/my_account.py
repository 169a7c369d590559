"""My account: a signed-in resident's request at any council on the platform, with everything they sent
and every update, and their anonymous requests joining the account once its email is verified.

This reads across councils on purpose (one shared account), as `service.requests_everywhere` does: one
routed query per council, each filtered by the resident's own subject.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import Offering
from civicshare.db.engine import tenant_connection
from civicshare.identity.principal import Principal
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.claiming import claim_anonymous_requests
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import status_history
from civicshare.transactions.tables import transactions
from civicshare.transactions.updates import public_updates_of
from civicshare.transactions.views import Wording
from civicshare.web.flows import steps_in_order
from civicshare.web.questions import questions_for, shown_answer
from civicshare.web.service import (
    CHANNEL_NAMES,
    PAYMENT_WORDS,
    CouncilUpdateEntry,
    HistoryEntry,
    Row,
    status_text,
    uk_date_time,
)


async def join_anonymous_requests(
    services: PlatformServices, councils: Iterable[TenantContext], resident: Principal
) -> int:
    """Requests sent without signing in, with the account's verified email, join the account (at every
    council). Nothing joins on an email the identity provider has not verified."""
    if not resident.email or not resident.email_verified:
        return 0
    joined = 0
    for council in councils:
        async with tenant_connection(services.database.engine, council) as connection:
            joined += await claim_anonymous_requests(connection, resident.subject, resident.email)
    return joined


@dataclass(frozen=True)
class SentSection:
    title: str
    rows: list[Row]


@dataclass(frozen=True)
class MyRequest:
    reference: str
    council_name: str
    service_title: str
    status: str
    status_label: str
    rows: list[Row]
    sent: list[SentSection]
    history: list[HistoryEntry]
    updates: list[CouncilUpdateEntry]


def sent_sections(offering: Offering | None, answers: dict[str, Any]) -> list[SentSection]:
    """The resident's answers under the form's own step titles and question labels."""
    if offering is None:
        return []
    sections = []
    for step in steps_in_order(offering, answers):
        rows = [
            Row(question.label, shown_answer(question, answers[question.name]))
            for question in questions_for(step, offering.settings)
            if question.name in answers
        ]
        if rows:
            sections.append(SentSection(step.title, rows))
    return sections


async def my_request(
    services: PlatformServices, council: TenantContext, connection: AsyncConnection, reference: str, subject: str
) -> MyRequest | None:
    """The resident's own request at `council` (the connection is routed there); None for anyone else's."""
    found = (
        (
            await connection.execute(
                select(transactions).where(
                    transactions.c.reference == normalise_reference(reference),
                    transactions.c.resident_subject == subject,
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if found is None:
        return None
    offerings = await services.offerings.for_council(council)
    wording = Wording(offerings, services, found["service"])
    sent = sent_sections(wording.offering, dict(found["answers"] or {}))
    answered = {row.value for section in sent for row in section.rows}
    rows = [
        Row("Council", council.name),
        Row("Service", wording.title),
        Row("Made on", uk_date_time(found["created_at"])),
        Row("How it was made", CHANNEL_NAMES.get(found["channel"], found["channel"])),
    ]
    if found["address"] and found["address"] not in answered:  # the location as they described it
        rows.append(Row("Address", found["address"]))
    if found["latitude"] is not None and found["longitude"] is not None:
        rows.append(Row("Location", f"{found['latitude']}, {found['longitude']}"))
    if found["contact_email"]:
        rows.append(Row("Email for updates", found["contact_email"]))
    if found["fee_pence"]:
        paid = PAYMENT_WORDS.get(found["payment_status"] or "required", status_text(found["payment_status"] or ""))
        rows.append(Row("Fee", f"£{found['fee_pence'] / 100:,.2f} ({paid})"))
    history = await status_history(connection, found["id"])
    return MyRequest(
        reference=found["reference"],
        council_name=council.name,
        service_title=wording.title,
        status=found["status"],
        status_label=wording.label(found["status"]),
        rows=rows,
        sent=sent,
        history=[
            HistoryEntry(
                uk_date_time(event["created_at"]),
                wording.label(event["to_status"]),
                event["note"] if event["note_public"] else None,
            )
            for event in history
        ],
        updates=[
            CouncilUpdateEntry(uk_date_time(update.at), update.body)
            for update in await public_updates_of(connection, found["id"])
        ],
    )


async def find_my_request(
    services: PlatformServices, council: TenantContext, reference: str, subject: str
) -> MyRequest | None:
    async with tenant_connection(services.database.engine, council) as connection:
        return await my_request(services, council, connection, reference, subject)
