"""`ResidentTexts`: the subscriber that texts residents about their requests, beside the email.

A resident who gave a mobile number gets a text for each event they would be emailed about, when their
council has a GOV.UK Notify SMS template for that kind of message (`sms_template_ids` in its message
settings); without one, nothing is sent or recorded. A council in trial mode texts only the staff
numbers it listed (`trial_phone_numbers`); any other text is recorded as not sent, with why. Each text
is recorded beside the emails (`email_messages`, its key the event's id with `:sms`), so an event
handled twice is texted once.
"""

from __future__ import annotations

from civicshare.db.engine import tenant_connection
from civicshare.notifications.email import store
from civicshare.notifications.email.delivery import claim, hold, send_claimed
from civicshare.notifications.email.residents import TOLD_KINDS, message_values, receiving_council, template_kind
from civicshare.notifications.email.trial import trial_text_refusal
from civicshare.notifications.events import GiveUp, OutboxEvent
from civicshare.notifications.services_port import NotifierServices
from civicshare.notifications.texts.provider import NotifyTexts, OutgoingText
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.views import Wording


def text_key(event: OutboxEvent) -> str:
    return f"{event.stable_id}:sms"


class ResidentTexts:
    name = "sms"

    def __init__(self, services: NotifierServices, provider: NotifyTexts) -> None:
        self.services = services
        self.provider = provider

    @classmethod
    def from_services(cls, services: NotifierServices) -> ResidentTexts | None:
        """The subscriber, when the platform has GOV.UK Notify keys (`CIVICSHARE_NOTIFY_KEYS_DIR`); else None."""
        settings = services.settings
        if settings.notify_keys_dir is None:
            return None
        return cls(services, NotifyTexts(keys_dir=settings.notify_keys_dir, base_url=settings.notify_url))

    async def handle(self, event: OutboxEvent) -> None:
        if event.kind not in TOLD_KINDS:
            return
        council = await self.services.directory.by_slug(event.council)
        if council is None:
            raise GiveUp(f"there is no council {event.council!r} on the platform any more")
        offerings = await self.services.offerings.for_council(council)
        engine = self.services.database.engine
        async with tenant_connection(engine, council) as connection:
            if await store.message_status(connection, text_key(event)) in store.FINISHED:
                return
            chosen = await store.settings_of(connection)
            template_id = chosen.sms_template_ids.get(template_kind(event.kind).value)
            if not template_id:
                return  # the council sends no texts of this kind
            row = await find_by_reference(connection, event.reference)
            if row is None or not row.get("contact_phone"):
                return
            wording = Wording(offerings, self.services, row["service"])
            receiver = await receiving_council(self.services, event)
            values = message_values(council, self.services.settings, event, row, wording, receiver)
            if values is None:
                return
            text = OutgoingText(
                council.slug, text_key(event), f"sms:{event.kind.value}", row["contact_phone"], template_id, values
            )
            if not council.is_trial and not await claim(connection, text, event.reference):
                return
        if council.is_trial:
            refusal = trial_text_refusal(council, text.to, chosen.trial_phone_numbers)
            if refusal is not None:
                await hold(engine, council, text, event.reference, refusal)
                return
            async with tenant_connection(engine, council) as connection:
                if not await claim(connection, text, event.reference):
                    return
        await send_claimed(engine, council, self.provider, text)
