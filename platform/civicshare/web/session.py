"""The resident's browser session: a signed cookie, and the CSRF token every form carries.

The session holds the answers of a form in progress, the CSRF token and (with the dev identity) who
is signed in. It lives in the browser as `cs_session`: JSON, compressed, signed with HMAC-SHA256 under
a key derived from `settings.secret_key`, so any worker can read it and nobody can alter it. It is
signed, not encrypted: it holds only what the resident typed themselves. A council addressed by path
(`/t/kingston/`) gets a cookie scoped to that path, so two councils never share form answers.

CSRF: each session has a random token; every form posts it back as `csrf_token` and the handler
compares it with the session's (a double-submit token inside a signed cookie). A request whose
`Origin` names another host is refused as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import zlib
from typing import Any

COOKIE_NAME = "cs_session"
CSRF_FIELD = "csrf_token"
MAX_AGE_SECONDS = 8 * 60 * 60
MAX_COOKIE_BYTES = 3900  # browsers keep 4096 bytes per cookie, name and attributes included


class SessionTooLarge(Exception):
    """The answers no longer fit in the session cookie."""


def session_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"civicshare web session\x00" + secret_key.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class WebSession:
    """A small dict that remembers whether it changed."""

    def __init__(self, data: dict[str, Any] | None = None, *, fresh: bool = True) -> None:
        self.data: dict[str, Any] = data or {}
        self.changed = False
        self.fresh = fresh

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.changed = True

    def pop(self, key: str) -> Any:
        self.changed = self.changed or key in self.data
        return self.data.pop(key, None)

    def clear(self) -> None:
        self.changed = self.changed or bool(self.data)
        self.data = {}

    @property
    def csrf_token(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self["csrf"] = token
        return token

    def csrf_matches(self, offered: str | None) -> bool:
        token = self.data.get("csrf")
        return isinstance(token, str) and isinstance(offered, str) and hmac.compare_digest(token, offered)

    def encode(self, key: bytes, *, now: float | None = None) -> str:
        payload = json.dumps({"t": int(now or time.time()), "d": self.data}, separators=(",", ":"), default=str)
        body = _b64(zlib.compress(payload.encode(), 6))
        signature = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
        value = f"{body}.{signature}"
        if len(value) > MAX_COOKIE_BYTES:
            raise SessionTooLarge(f"session of {len(value)} bytes does not fit in a cookie")
        return value

    @classmethod
    def decode(cls, value: str | None, key: bytes, *, now: float | None = None) -> WebSession:
        """The session in the cookie, or an empty one when it is missing, altered or expired."""
        if not value or "." not in value:
            return cls()
        body, signature = value.rsplit(".", 1)
        expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return cls()
        try:
            payload = json.loads(zlib.decompress(_unb64(body)))
        except (ValueError, zlib.error):
            return cls()
        issued = payload.get("t") if isinstance(payload, dict) else None
        data = payload.get("d") if isinstance(payload, dict) else None
        if not isinstance(issued, int) or not isinstance(data, dict):
            return cls()
        if (now or time.time()) - issued > MAX_AGE_SECONDS:
            return cls()
        return cls(data, fresh=False)
