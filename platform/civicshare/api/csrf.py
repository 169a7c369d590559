"""CSRF protection for forms: a signed double-submit token, as two dependencies pages ask for.

- ``csrf_token: NamedDependency[str]``: the token to put in a form as
  ``<input type="hidden" name="csrf_token" value="...">`` (or send as the ``X-CSRF-Token`` header).
- ``csrf_checked: NamedDependency[None]``: add it to a handler that accepts a form post; it refuses
  (403) a post whose token does not match.

The token is ``<nonce>.<HMAC(secret key, binding.nonce)>``; the binding is the browser's session cookie
when signed in, else a random ``civicshare_csrf`` cookie set the first time a form is shown. A page on
another site can neither read the cookie nor make the HMAC. Requests with a bearer token need no CSRF
token (browsers never add one by themselves), so JSON APIs do not ask for ``csrf_checked``. A post whose
``Origin`` names another host is refused as well, whatever its token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from litestar.di import NamedDependency
from litestar.types import Message, Scope

from civicshare.http.problems import Problem
from civicshare.identity.guards import AnyRequest, session_key
from civicshare.identity.sessions import SESSION_COOKIE
from civicshare.services import PlatformServices

log = logging.getLogger("civicshare.identity.refused")

CSRF_COOKIE = "civicshare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_PENDING_COOKIES = "civicshare.pending_cookies"


def _binding(request: AnyRequest) -> str | None:
    value = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def _mac(key: bytes, binding: str, nonce: str) -> str:
    return hmac.new(key, f"csrf:{binding}.{nonce}".encode(), hashlib.sha256).hexdigest()


def cookie_header(scope: Scope, name: str, value: str, max_age: int | None = None) -> str:
    """A Set-Cookie value with the platform's attributes: HttpOnly, SameSite=Lax, Secure on https."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if scope.get("scheme") == "https":
        parts.append("Secure")
    return "; ".join(parts)


def add_cookie_to_response(request: AnyRequest, header_value: str) -> None:
    """Have ``before_send_cookies`` add this Set-Cookie to whatever response the request ends in."""
    request.scope.setdefault(_PENDING_COOKIES, []).append(header_value)  # type: ignore[misc]


async def before_send_cookies(message: Message, scope: Scope) -> None:
    """App-level ``before_send`` hook: adds cookies dependencies asked for."""
    pending: list[str] | None = scope.get(_PENDING_COOKIES)  # type: ignore[assignment]
    if pending and message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        headers += [(b"set-cookie", value.encode("latin-1")) for value in pending]
        message["headers"] = headers


async def provide_csrf_token(request: AnyRequest, services: NamedDependency[PlatformServices]) -> str:
    binding = _binding(request)
    if binding is None:
        value = secrets.token_urlsafe(24)
        add_cookie_to_response(request, cookie_header(request.scope, CSRF_COOKIE, value))
        binding = hashlib.sha256(value.encode()).hexdigest()
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_mac(session_key(services), binding, nonce)}"


def csrf_token_matches(request: AnyRequest, services: PlatformServices, submitted: str | None) -> bool:
    binding = _binding(request)
    if binding is None or not submitted:
        return False
    nonce, _, mac = submitted.partition(".")
    return bool(nonce) and hmac.compare_digest(mac, _mac(session_key(services), binding, nonce))


def sent_from_another_site(request: AnyRequest) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    return origin.split("://", 1)[-1] != request.headers.get("host", "")


async def provide_csrf_checked(request: AnyRequest, services: NamedDependency[PlatformServices]) -> None:
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if sent_from_another_site(request) or not csrf_token_matches(request, services, submitted):
        log.warning("refused a form post without a matching CSRF token", extra={"path": request.url.path})
        raise Problem(
            403,
            "Form expired",
            "This form could not be accepted; go back, reload the page and send it again.",
            name="csrf-failed",
        )
