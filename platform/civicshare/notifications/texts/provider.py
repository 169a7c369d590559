"""Sending a text message through GOV.UK Notify's Python client (`send_sms_notification`), with the
council's own Notify API key (`keys_dir/<slug>`, as for email) and its own SMS template id; the words are
the template's, in Notify, filled in with the message's placeholders as personalisation."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicshare.notifications.notify_accounts import NotifyAccounts


@dataclass(frozen=True)
class OutgoingText:
    """`message_key` is the same for every attempt (Notify's `reference`), and unlike the email's."""

    council: str
    message_key: str
    kind: str
    to: str
    template_id: str
    personalisation: Mapping[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return "Text message"

    @property
    def text(self) -> str:
        """What is recorded of it (the words themselves are the Notify template's)."""
        filled = "\n".join(f"{name}: {value}" for name, value in self.personalisation.items())
        return f"GOV.UK Notify SMS template {self.template_id}, filled in with:\n{filled}"


class NotifyTexts:
    name = "notify-sms"

    def __init__(self, *, keys_dir: Path, base_url: str, timeout: float = 30.0) -> None:
        self.accounts = NotifyAccounts(keys_dir=keys_dir, base_url=base_url, timeout=timeout)

    def _send(self, text: OutgoingText) -> dict[str, Any]:
        return self.accounts.call(
            text.council,
            lambda client: client.send_sms_notification(
                phone_number=text.to,
                template_id=text.template_id,
                personalisation=dict(text.personalisation),
                reference=text.message_key,
            ),
        )

    async def send(self, text: OutgoingText, /) -> str:
        answer = await asyncio.to_thread(self._send, text)  # the client blocks: the event loop keeps serving
        return str(answer.get("id", ""))
