"""Erasing one request's personal data, keeping its anonymised record.

Erased: the contact email and account link, personal answers (by default every free text answer), the
address finer than the street, the decision's reason, notes and public update text, emails' recipients,
and photos. Kept: reference, service, channel, status history, timestamps, a coarse location (about
100 m) and any payment record, so savings, Open311 history and the service measures stay correct.
Every erasure writes its record (`personal_data_erasures`) in the same transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules.personal_data import LOCATION_ANSWERS
from civicshare.notifications.email.tables import email_messages
from civicshare.privacy.rules import ServiceRule
from civicshare.privacy.tables import personal_data_erasures
from civicshare.storage import FileStore, StorageUnavailable
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import council_attachments
from civicshare.transactions.tables import (
    attachments,
    public_updates,
    request_followers,
    transaction_events,
    transaction_notes,
    transactions,
)

ERASED_TEXT = "[removed: personal data erased]"
COARSE_PLACES = 3  # decimal places of a kept map pin: about 100 metres
KEPT_RECORD = (
    "reference, service, channel, status history and timestamps",
    "the council's anonymised record: its savings figures, Open311 history and service measures count it",
)
KEPT_PLACE = ("coarse location (street, about 100 metres)", "where problems are, for the council's records")
KEPT_PAYMENT = (
    "payment record (amount, status, provider's id)",
    "kept for the council's accounts: financial records are kept six years (HMRC)",
)
KEPT_OPEN = (
    "the open request itself",
    "the request is still being worked on; it is detached from the account now and its personal data "
    "erased under the council's retention period once it closes",
)

_HOUSE = re.compile(r"^(flat|apartment|unit|room)\s+\S+\s*,?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+[a-z]?(\s*-\s*\d+[a-z]?)?\s+", re.IGNORECASE)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.IGNORECASE)

logger = logging.getLogger(__name__)


def street_of(address: str | None) -> str | None:
    """The address no finer than its street: house names and numbers dropped, the postcode cut to its
    district ("12 High Street, Kingston, KT1 1EU" -> "High Street, Kingston, KT1")."""
    if not address:
        return address
    parts = [part.strip() for part in address.split(",") if part.strip()]
    while parts and not re.search(r"[A-Za-z]{3,}", _NUMBER.sub("", _HOUSE.sub("", parts[0]))):
        parts.pop(0)  # a line that is only a number or flat
    if parts:
        parts[0] = _NUMBER.sub("", _HOUSE.sub("", parts[0]))
        # A named house on a line of its own ("Rose Cottage, Mill Lane"): keep from the street's line
        if len(parts) > 1 and not _looks_like_street(parts[0]) and _looks_like_street(_NUMBER.sub("", parts[1])):
            parts = [_NUMBER.sub("", parts[1]), *parts[2:]]
    street = ", ".join(parts)
    return _POSTCODE.sub(lambda found: found[1].upper(), street) or None


_STREET_WORDS = re.compile(
    r"\b(street|road|avenue|lane|way|close|drive|place|gardens|hill|grove|terrace|crescent|row|walk|court|"
    r"square|park|rise|mews|green|parade|broadway|st|rd|ave)\b",
    re.IGNORECASE,
)


def _looks_like_street(text: str) -> bool:
    return bool(_STREET_WORDS.search(text))


def coarse(value: Any) -> Any:
    if value is None:
        return None
    return round(Decimal(str(value)), COARSE_PLACES)


@dataclass
class Erasure:
    """What happened to one request: what was erased and what was kept, with why."""

    reference: str
    service: str
    outcome: str  # erased | detached
    erased: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)
    files_to_remove: list[str] = field(default_factory=list)  # photos' storage keys

    def summary(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "service": self.service,
            "outcome": self.outcome,
            "erased": self.erased,
            "kept": self.kept,
        }


def _anonymised_answers(answers: dict[str, Any], rule: ServiceRule) -> tuple[dict[str, Any], list[str]]:
    kept: dict[str, Any] = {}
    removed: list[str] = []
    for name, value in answers.items():
        if name in LOCATION_ANSWERS:
            kept[name] = float(coarse(value)) if isinstance(value, int | float | str) and value != "" else value
        elif rule.is_personal(name):
            removed.append(name)
        else:
            kept[name] = value
    return kept, removed


async def erase_request(
    connection: AsyncConnection,
    council: TenantContext,
    row: Any,
    rule: ServiceRule,
    *,
    reason: str,
    requested_by: str,
) -> Erasure:
    """Erase one request's personal data in the caller's (the council's) transaction and record it.
    Photo files are listed in `files_to_remove`, to be deleted once the transaction has committed."""
    done = Erasure(row.reference, row.service, "erased")
    answers, removed = _anonymised_answers(dict(row.answers or {}), rule)
    done.erased += [f"answer: {name}" for name in sorted(removed)]
    for column in ("contact_email", "contact_phone", "resident_subject", "decision_reason", "payment_next_url"):
        if getattr(row, column) is not None:
            done.erased.append(column.replace("_", " "))
    if row.derived:
        done.erased.append("details worked out from the answers")
    street = street_of(row.address)
    if row.address and street != row.address:
        done.erased.append("address finer than the street")
    await connection.execute(
        update(transactions)
        .where(transactions.c.id == row.id)
        .values(
            answers=answers,
            derived={},
            contact_email=None,
            contact_phone=None,
            resident_subject=None,
            decision_reason=None,
            payment_next_url=None,
            address=street,
            latitude=coarse(row.latitude),
            longitude=coarse(row.longitude),
            personal_data_erased_at=func.now(),
        )
    )
    notes = await connection.execute(
        update(transaction_events)
        .where(transaction_events.c.transaction_id == row.id, transaction_events.c.note.is_not(None))
        .values(note=None)
    )
    if notes.rowcount:
        done.erased.append(f"notes on {notes.rowcount} status changes")
    internal = await connection.execute(
        update(transaction_notes)
        .where(transaction_notes.c.transaction_id == row.id, transaction_notes.c.body != ERASED_TEXT)
        .values(body=ERASED_TEXT)
    )
    if internal.rowcount:
        done.erased.append(f"text of {internal.rowcount} internal notes")
    told = await connection.execute(
        update(public_updates)
        .where(public_updates.c.transaction_id == row.id, public_updates.c.body != ERASED_TEXT)
        .values(body=ERASED_TEXT)
    )
    if told.rowcount:
        done.erased.append(f"text of {told.rowcount} public updates")
    mailed = await connection.execute(
        update(email_messages)
        .where(email_messages.c.reference == row.reference, email_messages.c.recipient != "")
        .values(recipient="", held_text=None)
    )
    if mailed.rowcount:
        done.erased.append(f"recipient of {mailed.rowcount} emails")
    followers = await connection.execute(delete(request_followers).where(request_followers.c.transaction_id == row.id))
    if followers.rowcount:
        done.erased.append(f"email addresses of {followers.rowcount} followers")
    photos = (
        await connection.execute(
            delete(attachments).where(attachments.c.transaction_id == row.id).returning(attachments.c.storage_key)
        )
    ).scalars()
    keys = list(photos)
    if keys:
        done.erased.append(f"{len(keys)} photos")
        done.files_to_remove = keys
    done.kept[KEPT_RECORD[0]] = KEPT_RECORD[1]
    if row.latitude is not None or row.address:
        done.kept[KEPT_PLACE[0]] = KEPT_PLACE[1]
    if row.fee_pence is not None or row.payment_id is not None:
        done.kept[KEPT_PAYMENT[0]] = KEPT_PAYMENT[1]
    await _record(connection, row, done, reason, requested_by)
    return done


async def detach_request(connection: AsyncConnection, row: Any, *, requested_by: str) -> Erasure:
    """An open request of an account being deleted: no longer linked to the account, kept until it closes."""
    done = Erasure(row.reference, row.service, "detached", erased=["link to the account"])
    await connection.execute(update(transactions).where(transactions.c.id == row.id).values(resident_subject=None))
    done.kept[KEPT_OPEN[0]] = KEPT_OPEN[1]
    await _record(connection, row, done, "request", requested_by)
    return done


async def _record(connection: AsyncConnection, row: Any, done: Erasure, reason: str, requested_by: str) -> None:
    await connection.execute(
        insert(personal_data_erasures).values(
            transaction_id=row.id,
            reference=row.reference,
            service=row.service,
            reason=reason,
            outcome=done.outcome,
            requested_by=requested_by,
            erased=done.erased,
            kept=done.kept,
        )
    )


async def remove_files(store: FileStore, council: TenantContext, keys: list[str]) -> None:
    """Delete erased photos' files through the file store (after the erasure committed); ones already
    gone are fine. A store out of reach leaves them, logged with their keys, for an operator to remove."""
    photos = council_attachments(store, council)
    for key in keys:
        try:
            await photos.delete(key)
        except StorageUnavailable:
            logger.error("erased photo's file not deleted: the file store is out of reach", extra={"key": key})


def already_erased() -> ColumnElement[bool]:
    """Whether a request's personal data was erased already (a condition for queries)."""
    return transactions.c.personal_data_erased_at.is_not(None)
