"""What the resident pages read: a tracked request, and a signed-in resident's requests everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import tenant_connection
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import find_by_reference_and_email, status_history
from civicshare.transactions.tables import transactions
from civicshare.transactions.updates import public_updates_of
from civicshare.transactions.views import Wording
from civicshare.web.catalogue import ServiceListing

LONDON = ZoneInfo("Europe/London")
CHANNEL_NAMES = {
    "web": "Online",
    "app": "App",
    "phone": "Phone",
    "face_to_face": "In person",
    "email": "Email",
    "webchat": "Webchat",
    "letter": "Letter",
}

# `transactions.payment_status` as the payment port and the submission service record it.
PAYMENT_WORDS = {
    "required": "Not paid yet",
    "created": "Not paid yet",
    "success": "Paid",
    "declined": "Declined, not paid",
    "abandoned": "Not paid",
    "error": "Not paid",
}


def uk_date(moment: datetime) -> str:
    """GOV.UK style: 5 March 2026."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def uk_date_time(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def status_text(status: str) -> str:
    return status.replace("_", " ").replace("-", " ").capitalize()


def service_title(code: str, listings: Iterable[ServiceListing]) -> str:
    for listing in listings:
        if listing.code == code:
            return listing.title
    return code.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Row:
    key: str
    value: str
    change_href: str | None = None
    change_label: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    when: str
    label: str
    note: str | None


@dataclass(frozen=True)
class CouncilUpdateEntry:
    when: str
    text: str


@dataclass(frozen=True)
class TrackedRequest:
    reference: str
    service_title: str
    status: str
    status_label: str
    rows: list[Row]
    history: list[HistoryEntry]
    updates: list[CouncilUpdateEntry] = field(default_factory=list)


StatusWords = Callable[[str, str], str]
"""(service code, status) -> the words this council uses for the status."""


async def tracked_request(
    connection: AsyncConnection,
    reference: str,
    email: str,
    listings: Iterable[ServiceListing],
    status_words: StatusWords | None = None,
) -> TrackedRequest | None:
    """The request with this reference AND this email at the council `connection` is routed to."""
    found = await find_by_reference_and_email(connection, reference, email)
    if found is None:
        return None
    history = await status_history(connection, found["id"])
    title = service_title(found["service"], listings)

    def words(status: str) -> str:
        return status_words(found["service"], status) if status_words else status_text(status)

    rows = [
        Row("Service", title),
        Row("Made on", uk_date_time(found["created_at"])),
        Row("How it was made", CHANNEL_NAMES.get(found["channel"], found["channel"])),
    ]
    if found["fee_pence"]:
        paid = PAYMENT_WORDS.get(found["payment_status"] or "required", status_text(found["payment_status"] or ""))
        rows.append(Row("Fee", f"£{found['fee_pence'] / 100:,.2f} ({paid})"))
    return TrackedRequest(
        reference=found["reference"],
        service_title=title,
        status=found["status"],
        status_label=words(found["status"]),
        rows=rows,
        history=[
            HistoryEntry(
                uk_date_time(event["created_at"]),
                words(event["to_status"]),
                event["note"] if event["note_public"] else None,  # only what staff chose to show
            )
            for event in history
        ],
        updates=[
            CouncilUpdateEntry(uk_date_time(update.at), update.body)
            for update in await public_updates_of(connection, found["id"])
        ],
    )


@dataclass(frozen=True)
class ResidentRequest:
    reference: str
    council_name: str
    service_title: str
    status: str
    status_label: str
    made_on: str
    created_at: datetime
    council_slug: str = ""


async def requests_everywhere(
    services: PlatformServices, councils: Iterable[TenantContext], subject: str
) -> list[ResidentRequest]:
    """A resident's own requests at every council, newest first, in each council's words.

    This reads across councils on purpose (one shared account): one routed, read-only query per
    council, each filtered by the resident's subject. With hundreds of councils this wants an index
    of (subject -> council) in the control plane; see the web README note.
    """
    found: list[ResidentRequest] = []
    for council in councils:
        offerings = await services.offerings.for_council(council)
        async with tenant_connection(services.database.engine, council) as connection:
            rows = await connection.execute(
                select(
                    transactions.c.reference,
                    transactions.c.service,
                    transactions.c.status,
                    transactions.c.created_at,
                )
                .where(transactions.c.resident_subject == subject)
                .order_by(transactions.c.created_at.desc())
                .limit(100)
            )
            for row in rows:
                wording = Wording(offerings, services, row.service)
                found.append(
                    ResidentRequest(
                        reference=row.reference,
                        council_name=council.name,
                        service_title=wording.title,
                        status=row.status,
                        status_label=wording.label(row.status),
                        made_on=uk_date(row.created_at),
                        created_at=row.created_at,
                        council_slug=council.slug,
                    )
                )
    return sorted(found, key=lambda item: item.created_at, reverse=True)
