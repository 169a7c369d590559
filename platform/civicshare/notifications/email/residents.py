"""`ResidentEmails`: the subscriber that emails residents about their requests.

On `request.submitted` the resident gets a confirmation (reference, what happens next, tracking link);
on `request.status_changed` an update with the new status in the council's words and the reason; on
`request.updated` the public update staff or the council's system added; on `request.transferred` that
staff sent it to the council on the platform responsible for the place (instead of the closing status's
update, which says less), with its new reference and where to track it. Only requests with a contact
email are written to. The people who follow a request (`transactions.followers`) get its status changes
and public updates too, each in a message of its own with a link to stop. A council in trial mode
writes only to its own staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from civicshare.db.engine import tenant_connection
from civicshare.identity.directory import IdentityDirectory, council_origins
from civicshare.notifications.email import store
from civicshare.notifications.email.delivery import claim, deliver, hold, send_claimed
from civicshare.notifications.email.followers import FOLLOWED_KINDS, compose_for_follower
from civicshare.notifications.email.message import CouncilEmailSettings, OutgoingEmail, compose
from civicshare.notifications.email.providers import MailProvider, provider_from_settings
from civicshare.notifications.email.trial import trial_refusal
from civicshare.notifications.email.wording import EMAILED_KINDS, MessageTemplate
from civicshare.notifications.events import EventKind, GiveUp, OutboxEvent
from civicshare.notifications.services_port import NotifierServices
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.followers import followers_of
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.views import Wording


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def tracking_url(council: TenantContext, settings: Settings, reference: str) -> str:
    """The council's own track page (its own domain if it has one), with the reference filled in."""
    origins = council_origins(council, settings)
    origin = origins[1] if len(origins) > 1 else origins[0]
    return f"{origin}/track?{urlencode({'reference': reference})}"


def what_happens_next(row: Mapping[str, Any]) -> str:
    if row.get("due_on"):
        return (
            f"We will look at your request and aim to deal with it by {long_date(row['due_on'])}. "
            "We will email you when its status changes."
        )
    return "We will look at your request and email you when its status changes."


class ResidentEmails:
    """The "email" subscriber. Built once per process from the platform's services:

    services.subscribers.append(ResidentEmails.from_services(services))   # or the queue's own list
    """

    name = "email"

    def __init__(
        self, services: NotifierServices, provider: MailProvider, staff_directory: IdentityDirectory | None
    ) -> None:
        self.services = services
        self.provider = provider
        self.staff_directory = staff_directory

    @classmethod
    def from_services(cls, services: NotifierServices, provider: MailProvider | None = None) -> ResidentEmails:
        identity = services.identity
        return cls(
            services, provider or provider_from_settings(services.settings), identity.directory if identity else None
        )

    async def handle(self, event: OutboxEvent) -> None:
        if event.kind not in TOLD_KINDS:
            return
        council = await self.services.directory.by_slug(event.council)
        if council is None:
            raise GiveUp(f"there is no council {event.council!r} on the platform any more")
        offerings = await self.services.offerings.for_council(council)  # cached; its own small pool
        engine = self.services.database.engine
        # One transaction reads what the message needs and, for a live council, claims it: two transactions
        # per email in all (this and recording the outcome), none held while the provider is called.
        async with tenant_connection(engine, council) as connection:
            row = await find_by_reference(connection, event.reference)
            if row is None:
                return  # the request was purged (test data)
            template = (await store.template_for(connection, template_kind(event.kind))).template
            chosen = await store.settings_of(connection)
            wording = Wording(offerings, self.services, row["service"])
            followers = await followers_of(connection, row["id"]) if event.kind in FOLLOWED_KINDS else []
            receiver = await receiving_council(self.services, event)
            to_reporter = None
            # A live council's claim below refuses a message already finished; a trial council's is
            # claimed only when sent, so it is asked first.
            if row["contact_email"] and (
                not council.is_trial or await store.message_status(connection, event.stable_id) not in store.FINISHED
            ):
                to_reporter = self._compose(council, event, row, wording, template, chosen, receiver)
            if (
                to_reporter is not None
                and not council.is_trial
                and not await claim(connection, to_reporter, event.reference)
            ):
                to_reporter = None
        if to_reporter is not None:
            await self._send(council, to_reporter, event.reference)
        for follower in followers:
            values = message_values(council, self.services.settings, event, row, wording)
            if values is not None:
                email = compose_for_follower(council, self.services.settings, event, values, follower, chosen)
                await self._send_once(council, email, event.reference)

    async def _send(self, council: TenantContext, email: OutgoingEmail, reference: str) -> None:
        """Send a message already claimed (a live council) or not yet (a trial council)."""
        engine = self.services.database.engine
        if council.is_trial:
            refusal = await trial_refusal(self.staff_directory, council, email.to)
            if refusal is not None:
                await hold(engine, council, email, reference, refusal)
            else:
                await deliver(engine, council, self.provider, email, reference)
            return
        await send_claimed(engine, council, self.provider, email)

    async def _send_once(self, council: TenantContext, email: OutgoingEmail, reference: str) -> None:
        if council.is_trial:
            await self._send(council, email, reference)
        else:
            await deliver(self.services.database.engine, council, self.provider, email, reference)

    def _compose(
        self,
        council: TenantContext,
        event: OutboxEvent,
        row: Mapping[str, Any],
        wording: Wording,
        template: MessageTemplate,
        chosen: CouncilEmailSettings,
        receiver: TenantContext | None,
    ) -> OutgoingEmail | None:
        """The message for this event, or None when the resident is not told of it."""
        values = message_values(council, self.services.settings, event, row, wording, receiver)
        if values is None:
            return None
        return compose(council, template, values, to=row["contact_email"], message_key=event.stable_id, settings=chosen)


async def receiving_council(services: NotifierServices, event: OutboxEvent) -> TenantContext | None:
    """For a transfer, the council the request was sent to (None when it has left the platform since)."""
    if event.kind is not EventKind.TRANSFERRED:
        return None
    return await services.directory.by_slug(str(event.data.get("council") or ""))


def message_values(
    council: TenantContext,
    settings: Settings,
    event: OutboxEvent,
    row: Mapping[str, Any],
    wording: Wording,
    receiver: TenantContext | None = None,
) -> dict[str, str] | None:
    """The placeholders' values of the message telling the resident of this event (email or text), or
    None when the resident is not told of it. `receiver`: for a transfer, the council it was sent to."""
    values = {
        "council_name": council.name,
        "service": wording.title,
        "reference": row["reference"],
        "tracking_url": tracking_url(council, settings, row["reference"]),
        "submitted_on": long_date(row["created_at"].date()),
    }
    if event.kind is EventKind.SUBMITTED and event.data.get("status") == AWAITING_PAYMENT:
        return None  # confirmed once the payment is taken, not before
    if event.kind in CONFIRMED_BY:
        values["what_happens_next"] = what_happens_next(row)
    elif event.kind is EventKind.TRANSFERRED:
        new_reference = str(event.data.get("reference") or "")
        values["other_council"] = str(event.data.get("council_name") or (receiver.name if receiver else ""))
        values["new_reference"] = new_reference
        values["new_tracking_url"] = tracking_url(receiver, settings, new_reference) if receiver else ""
    elif event.kind is EventKind.PUBLIC_UPDATE:
        values["update"] = str(event.data.get("text") or "").strip()
        if not values["update"]:
            return None
    else:
        if event.data.get("transferred_to"):
            return None  # closed by a transfer: the resident is told of the transfer instead
        to_status = str(event.data.get("to_status", ""))
        if wording.workflow is not None and to_status not in wording.workflow.states:
            return None  # not a status of the service's workflow: residents never see it
        if to_status == event.data.get("from_status"):
            return None
        values["status"] = str(event.data.get("status_label") or wording.label(to_status))
        values["reason"] = str(event.data.get("public_reason") or "")  # never the internal note
    return values


AWAITING_PAYMENT = "awaiting_payment"
CONFIRMED_BY = frozenset({EventKind.SUBMITTED, EventKind.PAYMENT_SUCCEEDED})
TOLD_KINDS = frozenset({*EMAILED_KINDS, EventKind.PAYMENT_SUCCEEDED})  # what residents hear of


def template_kind(kind: EventKind) -> EventKind:
    """A paid request's confirmation is sent when its payment succeeds, in the submission's words."""
    return EventKind.SUBMITTED if kind is EventKind.PAYMENT_SUCCEEDED else kind
