"""A council's templates, email settings and message records, read and written on a connection already
routed to that council's schema (`tenant_connection`): nothing here can name another council."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import INTERVAL, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.notifications.email.message import CouncilEmailSettings
from civicshare.notifications.email.tables import email_messages, email_settings, email_templates
from civicshare.notifications.email.wording import DEFAULTS, EMAILED_KINDS, MessageTemplate, check_template
from civicshare.notifications.events import EventKind

FINISHED = frozenset({"sent", "held", "failed"})
# A message left `sending` this long (its worker died mid-send) may be tried again.
STALE_SENDING = timedelta(minutes=10)


@dataclass(frozen=True)
class StoredTemplate:
    template: MessageTemplate
    is_default: bool
    updated_by: str | None = None
    updated_at: datetime | None = None


async def template_for(connection: AsyncConnection, kind: EventKind) -> StoredTemplate:
    row = (await connection.execute(select(email_templates).where(email_templates.c.kind == str(kind)))).first()
    if row is None:
        return StoredTemplate(DEFAULTS[kind], is_default=True)
    return StoredTemplate(
        MessageTemplate(kind, row.subject, row.body_text, row.body_html), False, row.updated_by, row.updated_at
    )


async def templates_of(connection: AsyncConnection) -> list[StoredTemplate]:
    return [await template_for(connection, kind) for kind in EMAILED_KINDS]


async def save_template(connection: AsyncConnection, template: MessageTemplate, updated_by: str) -> StoredTemplate:
    """Check the template (TemplateProblem if it could not be sent), then keep it as the council's own."""
    html = template.body_html if template.body_html and template.body_html.strip() else None
    template = MessageTemplate(template.kind, template.subject.strip(), template.body_text.strip(), html)
    check_template(template)
    values = {
        "subject": template.subject,
        "body_text": template.body_text,
        "body_html": template.body_html,
        "updated_by": updated_by,
        "updated_at": func.now(),
    }
    statement = insert(email_templates).values(kind=str(template.kind), **values)
    await connection.execute(statement.on_conflict_do_update(index_elements=["kind"], set_=values))
    return await template_for(connection, template.kind)


async def reset_template(connection: AsyncConnection, kind: EventKind) -> None:
    await connection.execute(delete(email_templates).where(email_templates.c.kind == str(kind)))


async def settings_of(connection: AsyncConnection) -> CouncilEmailSettings:
    row = (await connection.execute(select(email_settings))).first()
    if row is None:
        return CouncilEmailSettings()
    return CouncilEmailSettings(
        reply_to=row.reply_to,
        admin_addresses=tuple(row.admin_addresses or ()),
        notify_template_ids=dict(row.notify_template_ids or {}),
        notify_reply_to_id=row.notify_reply_to_id,
        sms_template_ids=dict(row.sms_template_ids or {}),
        trial_phone_numbers=tuple(row.trial_phone_numbers or ()),
    )


async def save_settings(connection: AsyncConnection, chosen: CouncilEmailSettings, updated_by: str) -> None:
    values: dict[str, Any] = {
        "reply_to": chosen.reply_to,
        "admin_addresses": list(chosen.admin_addresses),
        "notify_template_ids": dict(chosen.notify_template_ids),
        "notify_reply_to_id": chosen.notify_reply_to_id,
        "sms_template_ids": dict(chosen.sms_template_ids),
        "trial_phone_numbers": list(chosen.trial_phone_numbers),
        "updated_by": updated_by,
        "updated_at": func.now(),
    }
    statement = insert(email_settings).values(singleton=True, **values)
    await connection.execute(statement.on_conflict_do_update(index_elements=["singleton"], set_=values))


# -- message records -------------------------------------------------------------------------------------


async def message_status(connection: AsyncConnection, event_id: str) -> str | None:
    return (
        await connection.execute(select(email_messages.c.status).where(email_messages.c.event_id == event_id))
    ).scalar()


@dataclass(frozen=True)
class NewMessage:
    event_id: str
    kind: str
    reference: str | None
    recipient: str
    subject: str


async def claim(connection: AsyncConnection, message: NewMessage) -> bool:
    """Record that this message is being sent. False when it must not be sent now: it was sent, held
    or refused already, or another attempt began less than STALE_SENDING ago."""
    statement = insert(email_messages).values(
        event_id=message.event_id,
        kind=message.kind,
        reference=message.reference,
        recipient=message.recipient,
        subject=message.subject[:300],
        status="sending",
    )
    claimed = (
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=["event_id"],
                set_={
                    "status": "sending",
                    "attempts": email_messages.c.attempts + 1,
                    "recipient": message.recipient,
                    "subject": message.subject[:300],
                    "updated_at": func.now(),
                },
                where=(email_messages.c.status == "retrying")
                | (
                    (email_messages.c.status == "sending")
                    & (email_messages.c.updated_at < func.now() - literal(STALE_SENDING, INTERVAL()))
                ),
            ).returning(email_messages.c.id)
        )
    ).first()
    return claimed is not None


async def record_held(connection: AsyncConnection, message: NewMessage, why: str, text: str | None = None) -> None:
    statement = insert(email_messages).values(
        event_id=message.event_id,
        kind=message.kind,
        reference=message.reference,
        recipient=message.recipient,
        subject=message.subject[:300],
        status="held",
        why=why,
        held_text=text,
    )
    await connection.execute(statement.on_conflict_do_nothing(index_elements=["event_id"]))


async def record_outcome(
    connection: AsyncConnection,
    event_id: str,
    status: str,
    *,
    provider: str,
    provider_message_id: str | None = None,
    why: str | None = None,
) -> None:
    await connection.execute(
        update(email_messages)
        .where(email_messages.c.event_id == event_id)
        .values(
            status=status,
            provider=provider,
            provider_message_id=provider_message_id,
            why=why,
            updated_at=func.now(),
        )
    )


@dataclass(frozen=True)
class MessageRecord:
    id: int
    event_id: str
    kind: str
    reference: str | None
    recipient: str
    subject: str
    status: str
    why: str | None
    held_text: str | None
    provider: str | None
    provider_message_id: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


async def messages_of(
    connection: AsyncConnection,
    *,
    reference: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
    status: str | None = None,
) -> list[MessageRecord]:
    query = select(email_messages).order_by(email_messages.c.id.desc()).limit(limit)
    if status:
        query = query.where(email_messages.c.status == status)
    if reference:
        query = query.where(email_messages.c.reference == reference)
    if before_id is not None:
        query = query.where(email_messages.c.id < before_id)
    rows = (await connection.execute(query)).mappings()
    return [MessageRecord(**{name: row[name] for name in MessageRecord.__dataclass_fields__}) for row in rows]
