"""What the resident pages read: a tracked request, and a signed-in resident's requests everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.db.engine import tenant_connection
from civicshare.modules import answer_spec
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import StoredAttachment, list_attachments
from civicshare.transactions.service import find_by_reference_and_email, status_history
from civicshare.transactions.tables import transactions
from civicshare.transactions.updates import public_updates_of
from civicshare.transactions.views import Wording
from civicshare.web.catalogue import ServiceListing
from civicshare.web.questions import questions_for, shown_answer
from civicshare.web.status_tags import tag_colour

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
    return _uk_date_of_hour(int(moment.timestamp() // 3600))


@lru_cache(maxsize=4096)
def _uk_date_of_hour(hour: int) -> str:
    # By the hour since the epoch: UK time has moved only by whole hours since 1847, so every moment of an
    # hour falls on one UK day. A queue page dates each of its 25 rows; converting each cost more than
    # rendering it.
    local = datetime.fromtimestamp(hour * 3600, LONDON)
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
class TrackedPhoto:
    filename: str
    url: str


@dataclass(frozen=True)
class TrackedRequest:
    reference: str
    service_title: str
    status: str
    status_label: str
    rows: list[Row]
    history: list[HistoryEntry]
    updates: list[CouncilUpdateEntry] = field(default_factory=list)
    status_colour: str = "grey"
    answers: list[Row] = field(default_factory=list)
    personal_held_back: bool = False
    photos: list[TrackedPhoto] = field(default_factory=list)


StatusWords = Callable[[str, str], str]
"""(service code, status) -> the words this council uses for the status."""

PhotoLink = Callable[[StoredAttachment], str]
"""A photo -> the short-lived address this page shows it from (`web.photos.tracked_photo_url`)."""


def reported_answers(
    offering: Offering | None, answers: Mapping[str, Any], *, with_personal: bool
) -> tuple[list[Row], bool]:
    """What the resident told the council, in the module's own question and option words, and whether
    answers about the person (`answer(personal=True)`) were left out. Only questions the request has
    an answer for are shown (steps that did not apply kept none)."""
    if offering is None:
        return [], bool(answers)
    rows: list[Row] = []
    held_back = False
    for step in offering.service.steps:
        for question in questions_for(step, offering.settings):
            if question.name not in answers:
                continue
            spec = answer_spec(step.form.model_fields[question.name])
            if spec is not None and spec.personal and not with_personal:
                held_back = True
                continue
            rows.append(Row(question.label, shown_answer(question, answers[question.name])))
    return rows, held_back


def location_text(found: Mapping[str, Any], *, with_address: bool = True) -> str | None:
    if found["address"] and with_address:
        return str(found["address"])
    if found["latitude"] is not None and found["longitude"] is not None:
        return f"Map point {float(found['latitude']):.5f}, {float(found['longitude']):.5f}"
    return None


async def tracked_request(
    connection: AsyncConnection,
    reference: str,
    email: str,
    listings: Iterable[ServiceListing],
    status_words: StatusWords | None = None,
    *,
    offerings: CouncilOfferings | None = None,
    viewer_subject: str | None = None,
    photo_link: PhotoLink | None = None,
) -> TrackedRequest | None:
    """The request with this reference AND this email at the council `connection` is routed to.

    A reference and an email are not proof of who is asking: answers about the person are shown only
    to the signed-in resident who sent the request (`viewer_subject`), never to anyone who has both.
    """
    found = await find_by_reference_and_email(connection, reference, email)
    if found is None:
        return None
    history = await status_history(connection, found["id"])
    title = service_title(found["service"], listings)
    offering = offerings.offering(found["service"]) if offerings is not None else None

    def words(status: str) -> str:
        return status_words(found["service"], status) if status_words else status_text(status)

    owner = viewer_subject is not None and viewer_subject == found["resident_subject"]
    answers, held_back = reported_answers(offering, found["answers"] or {}, with_personal=owner)
    rows = [Row("Service", title)]
    # The stored address is made from the answers: where some were about the person (a home address
    # for a missed bin), it is theirs too and stays out of the page with them.
    place = location_text(found, with_address=not held_back)
    if place:
        rows.append(Row("Location", place))
    rows += [
        Row("Made on", uk_date_time(found["created_at"])),
        Row("How it was made", CHANNEL_NAMES.get(found["channel"], found["channel"])),
    ]
    if found["due_on"] is not None and found["closed_at"] is None:
        rows.append(Row("Due by", f"{found['due_on'].day} {found['due_on']:%B %Y}"))
    if found["fee_pence"]:
        paid = PAYMENT_WORDS.get(found["payment_status"] or "required", status_text(found["payment_status"] or ""))
        rows.append(Row("Fee", f"£{found['fee_pence'] / 100:,.2f} ({paid})"))
    photos = [
        TrackedPhoto(photo.filename, photo_link(photo))
        for photo in await list_attachments(connection, found["id"])
        if photo_link is not None and photo.content_type.startswith("image/")
    ]
    workflow = offering.service.workflow if offering is not None else None
    return TrackedRequest(
        reference=found["reference"],
        service_title=title,
        status=found["status"],
        status_label=words(found["status"]),
        status_colour=tag_colour(found["status"], workflow),
        answers=answers,
        personal_held_back=held_back,
        photos=photos,
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
    status_colour: str = "grey"


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
                        status_colour=tag_colour(row.status, wording.workflow),
                    )
                )
    return sorted(found, key=lambda item: item.created_at, reverse=True)
