"""The answers of a service form in progress, kept in the browser between pages: the `cs_flow` cookie.

This is not a sign-in session: who is signed in lives in identity's server-side session
(`civicshare_session`), and forms are protected by identity's CSRF tokens. The flow state holds only
what the resident typed into a form (and the reference they were given), so it can live in the
browser: JSON, compressed and signed with identity's `sign`/`unsign` under its own purpose ("flow"),
so any worker can read it and nobody can alter it. Anonymous residents need it too, which is why it
is not in `platform.sessions` (a row there is a signed-in person). A council addressed by path
(`/t/kingston/`) gets a cookie scoped to that path, so two councils never share form answers.
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from typing import Any

from civicshare.identity.sessions import TamperedCookie, sign, unsign

COOKIE_NAME = "cs_flow"
PURPOSE = "flow"
MAX_AGE_SECONDS = 8 * 60 * 60
MAX_COOKIE_BYTES = 3900  # browsers keep 4096 bytes per cookie, name and attributes included


class FlowStateTooLarge(Exception):
    """The answers no longer fit in the cookie."""


class FlowState:
    """A small dict that remembers whether it changed."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = data or {}
        self.changed = False

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.changed = True

    def encode(self, key: bytes, *, now: float | None = None) -> str:
        payload = json.dumps({"t": int(now or time.time()), "d": self.data}, separators=(",", ":"), default=str)
        body = base64.urlsafe_b64encode(zlib.compress(payload.encode(), 6)).rstrip(b"=").decode()
        value = sign(key, PURPOSE, body)
        if len(value) > MAX_COOKIE_BYTES:
            raise FlowStateTooLarge(f"flow state of {len(value)} bytes does not fit in a cookie")
        return value

    @classmethod
    def decode(cls, value: str | None, key: bytes, *, now: float | None = None) -> FlowState:
        """The state in the cookie, or an empty one when it is missing, altered or expired."""
        try:
            body = unsign(key, PURPOSE, value or "")
            payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
        except (TamperedCookie, ValueError, zlib.error):
            return cls()
        issued = payload.get("t") if isinstance(payload, dict) else None
        data = payload.get("d") if isinstance(payload, dict) else None
        if not isinstance(issued, int) or not isinstance(data, dict):
            return cls()
        if (now or time.time()) - issued > MAX_AGE_SECONDS:
            return cls()
        return cls(data)
