"""Each council's GOV.UK Notify service, through Notify's own Python client: one API key per council in
`keys_dir/<slug>`. Emails and text messages both go this way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from civicshare.notifications.delivery_refused import DeliveryRefused


class NotifyAccounts:
    def __init__(self, *, keys_dir: Path, base_url: str, timeout: float = 30.0) -> None:
        self.keys_dir, self.base_url, self.timeout = keys_dir, base_url, timeout

    def _key(self, council: str) -> str:
        path = self.keys_dir / council
        if not path.is_file():
            raise DeliveryRefused(f"no GOV.UK Notify API key for this council ({path.name} in the keys folder)")
        return path.read_text().strip()

    def call(self, council: str, sending: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """`sending(client)` with the council's client (blocking: run it in a thread). A request Notify
        refuses as bad (400, 403: address, template or key) is refused for good; others may be retried."""
        from notifications_python_client.errors import HTTPError
        from notifications_python_client.notifications import NotificationsAPIClient

        client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self._key(council), base_url=self.base_url, timeout=self.timeout
        )
        try:
            return sending(client)
        except HTTPError as error:
            if error.status_code in (400, 403):  # the same again would fail the same way
                raise DeliveryRefused(f"GOV.UK Notify refused it ({error.status_code}): {error.message}") from None
            raise
