"""Telling a council's administrators that one of their endpoints was disabled.

A port: the email work provides the function that emails a council's admins, and the platform passes it
to the subscriber. Until then `LoggedAlerts` writes the message to the log.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("civicshare.webhooks.alerts")


class CouncilAdminAlerts(Protocol):
    async def __call__(self, council: str, subject: str, body: str) -> None:
        """Send the message to every administrator of the council (by its slug)."""
        ...


class LoggedAlerts:
    async def __call__(self, council: str, subject: str, body: str) -> None:
        log.warning("for the administrators of %s: %s — %s", council, subject, body)


def endpoint_disabled_message(council_name: str, url: str, reason: str, page: str) -> tuple[str, str]:
    subject = f"{council_name}: a webhook endpoint was disabled"
    body = (
        f"The platform stopped sending events to {url}.\n\n{reason}\n\n"
        "Events that happen while it is disabled are not kept for it. Once the receiving system works again, "
        f"enable the endpoint and send missed events again from its delivery log: {page}\n"
    )
    return subject, body
