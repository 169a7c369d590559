"""The subscribers the platform itself runs for every council's events: email (and, with GOV.UK Notify,
text messages) to residents and signed webhooks to council systems. Only job workers build them
(`civicshare.worker.register_platform_subscribers`)."""

from __future__ import annotations

import hashlib

from civicshare.notifications.email.council_admins import email_council_admins
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventSubscriber
from civicshare.notifications.services_port import NotifierServices
from civicshare.notifications.texts.residents import ResidentTexts
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber


class EmailedAdminAlerts:
    """A webhook endpoint's trouble, emailed to its council's administrators once per distinct message
    (a retried job sends nothing new)."""

    def __init__(self, services: NotifierServices) -> None:
        self.services = services

    async def __call__(self, council: str, subject: str, body: str) -> None:
        occasion = hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()[:32]
        await email_council_admins(
            self.services, council, subject=subject, body=body, message_key=f"webhook-alert:{occasion}"
        )


def platform_subscribers(services: NotifierServices) -> list[EventSubscriber]:
    webhooks = WebhookSubscriber.for_platform(
        services.settings, services.database.engine, services.directory, alerts=EmailedAdminAlerts(services)
    )
    texts = ResidentTexts.from_services(services)  # only with GOV.UK Notify keys
    return [ResidentEmails.from_services(services), webhooks, *([texts] if texts is not None else [])]
