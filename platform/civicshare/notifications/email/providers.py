"""The mail provider port and its two adapters: any SMTP server, and GOV.UK Notify.

`send` returns the provider's id for the message. `DeliveryRefused` means no retry can succeed (the
address or the template was refused); any other exception means "try again later".
Both adapters run their blocking client in a thread: the event loop keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any, Protocol

from civicshare.notifications.delivery_refused import DeliveryRefused
from civicshare.notifications.email.message import OutgoingEmail
from civicshare.notifications.notify_accounts import NotifyAccounts
from civicshare.settings import EmailProviderName, Settings, SmtpSecurity


class MailProvider(Protocol):
    name: str

    async def send(self, email: OutgoingEmail) -> str: ...


def message_id(email: OutgoingEmail, domain: str) -> str:
    return f"<{email.message_key}.{email.council}@{domain}>"


class SmtpProvider:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        from_address: str,
        security: SmtpSecurity = SmtpSecurity.NONE,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.from_address = from_address
        self.username, self.password, self.timeout = username, password, timeout
        # The name we greet the server with (EHLO): the sending domain, not a DNS lookup per message.
        self._local_hostname = Address(addr_spec=from_address).domain or "localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpProvider:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            from_address=settings.email_from_address,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )

    def _mime(self, email: OutgoingEmail) -> EmailMessage:
        mime = EmailMessage()
        mime["From"] = formataddr((email.from_name, self.from_address))
        mime["To"] = email.to
        if email.reply_to:
            mime["Reply-To"] = email.reply_to
        mime["Subject"] = email.subject
        mime["Date"] = formatdate(localtime=False, usegmt=True)
        mime["Message-ID"] = message_id(email, Address(addr_spec=self.from_address).domain or "localhost")
        mime["X-Civicshare-Event"] = email.message_key
        mime["X-Civicshare-Council"] = email.council
        mime.set_content(email.text)
        mime.add_alternative(email.html, subtype="html")
        return mime

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context()  # reads the system's certificates: tens of milliseconds, so once

    def _send(self, mime: EmailMessage) -> None:
        client: smtplib.SMTP
        local = self._local_hostname
        if self.security is SmtpSecurity.TLS:
            client = smtplib.SMTP_SSL(
                self.host, self.port, local_hostname=local, timeout=self.timeout, context=self._tls
            )
        else:
            client = smtplib.SMTP(self.host, self.port, local_hostname=local, timeout=self.timeout)
        with client:
            if self.security is SmtpSecurity.STARTTLS:
                client.starttls(context=self._tls)
            if self.username:
                client.login(self.username, self.password or "")
            try:
                client.send_message(mime)
            except smtplib.SMTPRecipientsRefused as refused:
                raise DeliveryRefused(f"the mail server refused the address: {refused.recipients}") from None
            except smtplib.SMTPResponseException as error:
                if 500 <= error.smtp_code < 600:
                    raise DeliveryRefused(f"the mail server refused the message: {error.smtp_code}") from None
                raise

    async def send(self, email: OutgoingEmail) -> str:
        mime = self._mime(email)
        await asyncio.to_thread(self._send, mime)
        return str(mime["Message-ID"])


class NotifyProvider:
    """GOV.UK Notify through its Python client. Each council has its own Notify service (an API key in
    `keys_dir/<slug>`) and its own template ids; the placeholders go as personalisation."""

    name = "notify"

    def __init__(self, *, keys_dir: Path, base_url: str, timeout: float = 30.0) -> None:
        self.accounts = NotifyAccounts(keys_dir=keys_dir, base_url=base_url, timeout=timeout)

    def _send(self, email: OutgoingEmail) -> dict[str, Any]:
        return self.accounts.call(
            email.council,
            lambda client: client.send_email_notification(
                email_address=email.to,
                template_id=email.notify_template_id,
                personalisation=dict(email.personalisation),
                reference=email.message_key,
                email_reply_to_id=email.notify_reply_to_id,
            ),
        )

    async def send(self, email: OutgoingEmail) -> str:
        if not email.notify_template_id:
            raise DeliveryRefused(f"the council has no GOV.UK Notify template id for {email.kind}")
        answer = await asyncio.to_thread(self._send, email)
        return str(answer.get("id", ""))


def provider_from_settings(settings: Settings) -> MailProvider:
    if settings.email_provider is EmailProviderName.NOTIFY:
        assert settings.notify_keys_dir is not None  # the settings insist on it
        return NotifyProvider(keys_dir=settings.notify_keys_dir, base_url=settings.notify_url)
    return SmtpProvider.from_settings(settings)
