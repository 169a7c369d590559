"""CSRF protection: a signed double-submit token for forms, and one rule for every cookie-signed write.

Every POST, PUT, PATCH or DELETE that the session cookie would sign in (it carries the cookie and no
Authorization header) must prove it came from the platform's own pages before any handler runs
(`refuse_cross_site_cookie_writes`, the app's first `before_request` step): its `Origin` is exactly the
origin the request reached (`tenancy.hosts.public_origin`; not merely the same site, since every
council under the base domain is the same site as every other), or `Sec-Fetch-Site: same-origin`, or it
carries the page's CSRF token (`X-CSRF-Token` header, or the form's field). Another origin is refused
whatever token comes with it (403 `cross-site-request`). Bearer tokens and API keys are not sent by
browsers on their own, so requests that carry one are left alone.

For forms, two dependencies pages ask for:

- ``csrf_token: NamedDependency[str]``: the token to put in a form as
  ``<input type="hidden" name="csrf_token" value="...">`` (or send as the ``X-CSRF-Token`` header).
- ``csrf_checked: NamedDependency[None]``: add it to a handler that accepts a form post; it refuses
  (403) a post whose token does not match.

The token is ``<nonce>.<HMAC(secret key, binding.nonce)>``; the binding is the browser's session cookie
when signed in, else a random ``civicshare_csrf`` cookie set the first time a form is shown. A page on
another site can neither read the cookie nor make the HMAC. Requests with a bearer token need no CSRF
token (browsers never add one by themselves), so JSON APIs do not ask for ``csrf_checked``. A post whose
``Origin`` names another origin is refused as well, whatever its token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.types import Message, Scope
from markupsafe import escape

from civicshare.api.authentication import AnyRequest, session_key
from civicshare.http.problems import Problem
from civicshare.http.scope import scope_header
from civicshare.identity.sessions import SESSION_COOKIE
from civicshare.services import PlatformServices
from civicshare.tenancy.hosts import public_origin

log = logging.getLogger("civicshare.identity.refused")

CSRF_COOKIE = "civicshare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_PENDING_COOKIES = "civicshare.pending_cookies"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SESSION_COOKIE_PREFIX = SESSION_COOKIE + "="


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


def new_csrf_token(request: AnyRequest, services: PlatformServices) -> str:
    """A token for this request's forms; the first one a browser is given sets the cookie it is bound to."""
    binding = _binding(request)
    if binding is None:
        value = secrets.token_urlsafe(24)
        add_cookie_to_response(request, cookie_header(request.scope, CSRF_COOKIE, value))
        binding = hashlib.sha256(value.encode()).hexdigest()
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_mac(session_key(services), binding, nonce)}"


async def provide_csrf_token(request: AnyRequest, services: NamedDependency[PlatformServices]) -> str:
    return new_csrf_token(request, services)


class TokenIfShown:
    """A page's CSRF token, made when the page writes it into a form (`{{ csrf(csrf_token) }}`): a page
    without a form makes none, and sets no `civicshare_csrf` cookie for it. Truthy, like a token."""

    __slots__ = ("_request", "_services", "_value")

    def __init__(self, request: AnyRequest, services: PlatformServices) -> None:
        self._request = request
        self._services = services
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = new_csrf_token(self._request, self._services)
        return self._value

    def __html__(self) -> str:
        return str(escape(str(self)))


def csrf_token_matches(request: AnyRequest, services: PlatformServices, submitted: str | None) -> bool:
    binding = _binding(request)
    if binding is None or not submitted:
        return False
    nonce, _, mac = submitted.partition(".")
    return bool(nonce) and hmac.compare_digest(mac, _mac(session_key(services), binding, nonce))


def sent_from_another_site(request: AnyRequest) -> bool:
    """The browser says another origin sent it: an `Origin` other than this request's own (as configured),
    or `Sec-Fetch-Site` other than same-origin. An opaque `Origin: null` says nothing either way."""
    origin = scope_header(request.scope, b"origin")
    if origin is not None and origin != "null" and origin != public_origin(request.scope):
        return True
    fetch_site = scope_header(request.scope, b"sec-fetch-site")
    return fetch_site is not None and fetch_site != "same-origin"


def sent_from_this_origin(request: AnyRequest) -> bool:
    """The browser says this request's own origin sent it (checked with `sent_from_another_site` first)."""
    origin = scope_header(request.scope, b"origin")
    return origin == public_origin(request.scope) or scope_header(request.scope, b"sec-fetch-site") == "same-origin"


def signed_in_by_cookie(scope: Scope) -> bool:
    """The session cookie, not a bearer token or key, would sign this request in."""
    if scope_header(scope, b"authorization") is not None:
        return False
    for name, value in scope["headers"]:
        if name == b"cookie":
            for part in bytes(value).decode("latin-1").split(";"):
                if part.strip().startswith(_SESSION_COOKIE_PREFIX) and part.strip() != _SESSION_COOKIE_PREFIX:
                    return True
    return False


def cross_site_request() -> Problem:
    return Problem(
        403,
        "Request from another site",
        "This request was not accepted because it did not come from this council's own pages. Go back, "
        "reload the page and try again. Programs sign in with a bearer token or key instead of a cookie.",
        name="cross-site-request",
    )


async def _token_sent(request: AnyRequest) -> str | None:
    submitted = request.headers.get(CSRF_HEADER)
    form_types = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)
    if submitted is None and request.content_type[0] in form_types:
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    return submitted


async def refuse_cross_site_cookie_writes(request: AnyRequest) -> None:
    """The app's first `before_request` step: a cookie-signed write must come from the platform's own pages."""
    if request.method not in UNSAFE_METHODS or not signed_in_by_cookie(request.scope):
        return
    if not sent_from_another_site(request):
        if sent_from_this_origin(request):
            return
        services: PlatformServices = request.app.state.services
        if csrf_token_matches(request, services, await _token_sent(request)):
            return
    log.warning(
        "refused a cookie-signed %s from another site or without proof",
        request.method,
        extra={"path": request.url.path, "origin": request.headers.get("origin")},
    )
    raise cross_site_request()


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
