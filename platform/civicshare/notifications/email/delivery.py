"""Sending one message (an email or a text) once: recorded in the council's schema before the provider is
called, its outcome after. No database connection is held while the provider is talked to."""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.delivery_refused import DeliveryRefused
from civicshare.notifications.email import store
from civicshare.notifications.events import GiveUp
from civicshare.tenancy.context import TenantContext

log = logging.getLogger("civicshare.notifications.email")


class OutgoingMessage(Protocol):
    """What is recorded of any message: its key (the same for every attempt), kind, recipient, subject
    and text."""

    @property
    def message_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...


Message = TypeVar("Message", bound=OutgoingMessage)
Sent = TypeVar("Sent", bound=OutgoingMessage, contravariant=True)


class MessageProvider(Protocol[Sent]):
    """Sends one kind of message; `send` returns the provider's id for it (see `MailProvider`)."""

    name: str

    async def send(self, message: Sent, /) -> str: ...


def record_of(email: OutgoingMessage, reference: str | None) -> store.NewMessage:
    return store.NewMessage(email.message_key, email.kind, reference, email.to, email.subject)


async def hold(
    engine: AsyncEngine, council: TenantContext, email: OutgoingMessage, reference: str | None, why: str
) -> None:
    """Record the message as not sent, with why and what it would have said."""
    message = record_of(email, reference)
    async with tenant_connection(engine, council) as connection:
        await store.record_held(connection, message, why, email.text)
    log.info("held %s for %s: %s", message.event_id, council.slug, why)


async def deliver(
    engine: AsyncEngine,
    council: TenantContext,
    provider: MessageProvider[Message],
    email: Message,
    reference: str | None,
) -> bool:
    """Send the message unless it was sent (or held, or refused) already; True if it was sent now.

    Raises to be tried again later (the provider failed for now, or another attempt is under way), and
    GiveUp when the provider refused it for good (recorded as failed, with why)."""
    async with tenant_connection(engine, council) as connection:
        if not await claim(connection, email, reference):
            return False
    await send_claimed(engine, council, provider, email)
    return True


async def claim(connection: AsyncConnection, email: OutgoingMessage, reference: str | None) -> bool:
    """Record, on the council's connection, that this message is being sent. False if it was sent, held or
    refused already; raises (try again later) while another attempt is under way."""
    message = record_of(email, reference)
    if await store.claim(connection, message):
        return True
    if await store.message_status(connection, message.event_id) in store.FINISHED:
        return False
    raise RuntimeError(f"message {message.event_id} is being sent by another attempt; try again later")


async def send_claimed(
    engine: AsyncEngine, council: TenantContext, provider: MessageProvider[Message], email: Message
) -> None:
    """Send a claimed message (no connection held meanwhile) and record how it went."""
    message = record_of(email, None)
    try:
        provider_id = await provider.send(email)
    except DeliveryRefused as refused:
        async with tenant_connection(engine, council) as connection:
            await store.record_outcome(connection, message.event_id, "failed", provider=provider.name, why=str(refused))
        raise GiveUp(str(refused)) from refused
    except Exception as error:
        async with tenant_connection(engine, council) as connection:
            await store.record_outcome(
                connection, message.event_id, "retrying", provider=provider.name, why=f"{type(error).__name__}: {error}"
            )
        raise
    async with tenant_connection(engine, council) as connection:
        await store.record_outcome(
            connection, message.event_id, "sent", provider=provider.name, provider_message_id=provider_id
        )
