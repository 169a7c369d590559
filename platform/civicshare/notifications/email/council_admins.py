"""Platform messages to a council's administrators ("your webhook endpoint was disabled").

Who receives them: the addresses the council set in its email settings (`admin_addresses`); when it
set none, everyone in its organization (the identity directory does not say who is an administrator).
"""

from __future__ import annotations

from civicshare.db.engine import tenant_connection
from civicshare.notifications.email import store
from civicshare.notifications.email.delivery import deliver, hold
from civicshare.notifications.email.message import compose_platform_message
from civicshare.notifications.email.providers import MailProvider, provider_from_settings
from civicshare.notifications.email.trial import trial_refusal
from civicshare.notifications.services_port import NotifierServices


async def admin_addresses(services: NotifierServices, council_slug: str) -> list[str]:
    council = await services.directory.by_slug(council_slug)
    if council is None:
        return []
    async with tenant_connection(services.database.engine, council) as connection:
        chosen = await store.settings_of(connection)
    if chosen.admin_addresses:
        return list(chosen.admin_addresses)
    if services.identity is None:
        raise RuntimeError("the identity provider is not available to list the council's staff")
    return sorted({member.email.lower() for member in await services.identity.directory.staff_of(council_slug)})


async def email_council_admins(
    services: NotifierServices,
    council_slug: str,
    *,
    subject: str,
    body: str,
    message_key: str,
    provider: MailProvider | None = None,
) -> list[str]:
    """Email the council's administrators; return the addresses it was sent to.

    `message_key` names the occasion (for example `webhook-disabled:<endpoint id>:<time>`): calling again
    with the same key sends nothing new, so a retried job does not email twice. `body` may use the
    formatting of templates (`# ` heading, `^ ` inset, `* ` bullet; web addresses become links).
    Raises to be tried again later when the mail provider fails."""
    council = await services.directory.by_slug(council_slug)
    if council is None:
        return []
    provider = provider or provider_from_settings(services.settings)
    async with tenant_connection(services.database.engine, council) as connection:
        chosen = await store.settings_of(connection)
    sent = []
    for address in await admin_addresses(services, council_slug):
        email = compose_platform_message(
            council, subject, body, to=address, message_key=f"{message_key}:{address}"[:120], settings=chosen
        )
        if council.is_trial:
            refusal = await trial_refusal(services.identity.directory if services.identity else None, council, address)
            if refusal is not None:
                await hold(services.database.engine, council, email, None, refusal)
                continue
        if await deliver(services.database.engine, council, provider, email, None):
            sent.append(address)
    return sent
