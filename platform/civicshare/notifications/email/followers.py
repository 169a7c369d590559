"""The emails of people who follow someone else's request (`transactions.followers`): its public updates
and status changes, worded for someone who did not make it (no reference, no "your request"), each with
a signed link to stop. The words are the platform's: a council's templates speak to the reporter."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from civicshare.identity.directory import council_origins
from civicshare.notifications.email.message import CouncilEmailSettings, OutgoingEmail, compose
from civicshare.notifications.email.wording import MessageTemplate
from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.followers import Follower, unfollow_token

_STOP = (
    "You get this email because you chose to follow this report on our website instead of sending "
    "the same report again.\n\n"
    "# Stop getting these emails\n\n"
    "{{ tracking_url }}\n\n"  # a follower cannot track someone else's request: the link here stops the emails
    "{{ council_name }}"
)
FOLLOWER_TEMPLATES: dict[EventKind, MessageTemplate] = {
    EventKind.PUBLIC_UPDATE: MessageTemplate(
        EventKind.PUBLIC_UPDATE,
        subject="An update on a report you follow: {{ service }}",
        body_text=(
            "# An update on a report you follow\n\n"
            "This is about a report made on {{ submitted_on }}: {{ service }}.\n\n"
            "{{ update }}\n\n" + _STOP
        ),
    ),
    EventKind.STATUS_CHANGED: MessageTemplate(
        EventKind.STATUS_CHANGED,
        subject="A report you follow is now: {{ status }}",
        body_text=(
            "# A report you follow has a new status\n\n"
            "This is about a report made on {{ submitted_on }}: {{ service }}.\n\n"
            "^ Its status is now: {{ status }}\n\n"
            "{% if reason %}{{ reason }}\n\n{% endif %}" + _STOP
        ),
    ),
}
FOLLOWED_KINDS = frozenset(FOLLOWER_TEMPLATES)


def unfollow_url(council: TenantContext, settings: Settings, follower_id: int) -> str:
    """The signed link in a follower's emails that stops them (`web.nearby_pages`)."""
    origins = council_origins(council, settings)
    origin = origins[1] if len(origins) > 1 else origins[0]
    token = unfollow_token(settings.secret_key.get_secret_value().encode(), council.slug, follower_id)
    return f"{origin}/unfollow?{urlencode({'token': token})}"


def compose_for_follower(
    council: TenantContext,
    settings: Settings,
    event: OutboxEvent,
    values: Mapping[str, str],
    follower: Follower,
    chosen: CouncilEmailSettings,
) -> OutgoingEmail:
    """The follower's message about the event, given the values the reporter's message was filled with."""
    own = {**values, "reference": "", "tracking_url": unfollow_url(council, settings, follower.id)}
    return compose(
        council,
        FOLLOWER_TEMPLATES[event.kind],
        own,
        to=follower.email,
        message_key=f"{event.stable_id}:f{follower.id}",
        settings=CouncilEmailSettings(reply_to=chosen.reply_to),  # not the council's Notify templates: the reporter's
    )
