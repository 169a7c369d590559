"""Sending a text message through GOV.UK Notify's Python client (`send_sms_notification`), with the
council's own Notify API key (`keys_dir/<slug>`, as for email) and its own SMS template id; the words are
the template's, in Notify, filled in with the message's placeholders as personalisation."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicshare.notifications.email.providers import DeliveryRefused


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
        self.keys_dir, self.base_url, self.timeout = keys_dir, base_url, timeout

    def _key(self, council: str) -> str:
        path = self.keys_dir / council
        if not path.is_file():
            raise DeliveryRefused(f"no GOV.UK Notify API key for this council ({path.name} in the keys folder)")
        return path.read_text().strip()

    def _send(self, text: OutgoingText) -> dict[str, Any]:
        from notifications_python_client.errors import HTTPError
        from notifications_python_client.notifications import NotificationsAPIClient

        client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self._key(text.council), base_url=self.base_url, timeout=self.timeout
        )
        try:
            answer: dict[str, Any] = client.send_sms_notification(  # type: ignore[no-untyped-call]
                phone_number=text.to,
                template_id=text.template_id,
                personalisation=dict(text.personalisation),
                reference=text.message_key,
            )
        except HTTPError as error:
            if error.status_code in (400, 403):  # bad number, template or key: the same again fails the same way
                raise DeliveryRefused(f"GOV.UK Notify refused it ({error.status_code}): {error.message}") from None
            raise
        return answer

    async def send(self, text: OutgoingText, /) -> str:
        answer = await asyncio.to_thread(self._send, text)  # the client blocks: the event loop keeps serving
        return str(answer.get("id", ""))
