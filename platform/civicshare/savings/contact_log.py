"""The back office's contact log: people who got in touch without making a request (chasing one, asking
something, the wrong council, a complaint), logged by an officer as it happens.

Each entry is kept with its reason and officer (``logged_contacts``), and its count is ADDED to the day's
offline count for its service and channel, under the source ``contact_log``, in the same database
transaction: savings reports count it as an offline contact from that moment. A CSV import replaces
counts of its own source only, so importing a file for the same day later leaves logged contacts
standing (and a council's import should hold only contacts its officers do not log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.avoidable_contact import AVOIDABLE_REASONS, LoggedCount
from civicshare.savings.channels import Channel
from civicshare.savings.inputs_version import savings_inputs_changed
from civicshare.savings.period import ReportPeriod
from civicshare.savings.service import forget_if_past_month
from civicshare.savings.tables import CONTACT_LOG, logged_contacts, offline_contact_counts

REASON_NAMES = {
    "chasing": "Chasing a request",
    "repeat": "Again about the same matter",
    "wrong_council": "Wrong council",
    "information": "Asking for information",
    "complaint": "Complaint",
}


@dataclass(frozen=True)
class LoggedContact:
    service: str
    channel: Channel
    reason: str
    count: int = 1
    reference: str | None = None


@dataclass(frozen=True)
class LogEntry:
    contact: LoggedContact
    officer_name: str
    logged_at: datetime


async def log_contact(
    connection: AsyncConnection, contact: LoggedContact, *, day: date, officer_subject: str, officer_name: str
) -> None:
    """Keep the entry and add its count to the day's offline contacts, in the caller's transaction."""
    await connection.execute(
        insert(logged_contacts).values(
            day=day,
            service=contact.service,
            channel=contact.channel.value,
            reason=contact.reason,
            reference=contact.reference,
            count=contact.count,
            officer_subject=officer_subject,
            officer_name=officer_name,
        )
    )
    added = upsert(offline_contact_counts).values(
        day=day, service=contact.service, channel=contact.channel.value, count=contact.count, source=CONTACT_LOG
    )
    await connection.execute(
        added.on_conflict_do_update(
            index_elements=[
                offline_contact_counts.c.day,
                offline_contact_counts.c.service,
                offline_contact_counts.c.channel,
                offline_contact_counts.c.source,
            ],
            set_={"count": offline_contact_counts.c.count + added.excluded.count, "imported_at": func.now()},
        )
    )
    await savings_inputs_changed(connection)
    await forget_if_past_month(connection, day)


async def contacts_logged_on(connection: AsyncConnection, day: date) -> list[LogEntry]:
    """The day's entries, newest first."""
    rows = await connection.execute(
        select(logged_contacts).where(logged_contacts.c.day == day).order_by(logged_contacts.c.id.desc())
    )
    return [
        LogEntry(
            LoggedContact(row["service"], Channel(row["channel"]), row["reason"], row["count"], row["reference"]),
            row["officer_name"],
            row["logged_at"],
        )
        for row in rows.mappings()
    ]


async def avoidable_contacts_logged(connection: AsyncConnection, period: ReportPeriod) -> list[LoggedCount]:
    """The period's logged avoidable contacts, summed per day, service, channel and reason."""
    rows = await connection.execute(
        select(
            logged_contacts.c.day,
            logged_contacts.c.service,
            logged_contacts.c.channel,
            logged_contacts.c.reason,
            func.sum(logged_contacts.c.count),
        )
        .where(
            logged_contacts.c.day.between(period.start, period.end),
            logged_contacts.c.reason.in_(AVOIDABLE_REASONS),
        )
        .group_by(logged_contacts.c.day, logged_contacts.c.service, logged_contacts.c.channel, logged_contacts.c.reason)
    )
    return [
        LoggedCount(day, service, Channel(channel), reason, int(count)) for day, service, channel, reason, count in rows
    ]
