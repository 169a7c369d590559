"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and the "email" subscriber built
from the platform's services the way the job queue's worker builds it, sending to that server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import func, update

from civicshare.app import build_services
from civicshare.db.engine import Database
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.tenancy.tables import tenants
from tests.auth.conftest import CouncilWithOrganization, council, dev_identity

__all__ = ["council", "dev_identity"]


class Inbox:
    """Every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content or b""
        parsed = message_from_bytes(content if isinstance(content, bytes) else content.encode(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    smtp_server[0].messages.clear()
    return smtp_server[0]


@pytest.fixture(scope="session")
def mail_settings(settings: Settings, smtp_server: tuple[Inbox, int]) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server[1]})


@pytest.fixture(scope="session")
def worker_services(mail_settings: Settings, database: Database) -> PlatformServices:
    """The platform's services as a job worker has them (its own, beside the served web app's)."""
    return build_services(mail_settings, database)


@pytest.fixture(scope="session")
def resident_emails(worker_services: PlatformServices) -> ResidentEmails:
    return ResidentEmails.from_services(worker_services)


def event_for(slug: str, kind: EventKind, reference: str, service: str, **data: Any) -> OutboxEvent:
    """The event the outbox holds for a change (its id unique within this test run)."""
    return OutboxEvent(
        id=uuid.uuid4().int % 10**12,
        council=slug,
        kind=kind,
        reference=reference,
        service=service,
        occurred_at=datetime.now(UTC),
        data=data,
    )


@pytest.fixture
def live_council(council: CouncilWithOrganization, database: Database) -> CouncilWithOrganization:
    """A council out of trial (councils start in trial mode), so it emails residents."""

    async def make(**fields: object) -> str:
        slug = await council(**fields)
        async with database.engine.begin() as connection:
            await connection.execute(
                update(tenants).where(tenants.c.slug == slug).values(mode="live", updated_at=func.now())
            )
        return slug

    return make
