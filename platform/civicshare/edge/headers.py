"""The security headers every answer carries, set in this one place for pages, APIs, files and errors.

- `Content-Security-Policy`: for HTML pages, scripts and styles only from the platform itself, plus the
  page's own inline `<script>` and `<style>` elements, which carry this request's nonce
  (`{{ csp_nonce() }}` in templates); no plugins, no `<base>`, never framed. Everything else (JSON,
  files, stylesheets) gets `default-src 'none'`. An answer that sets a policy of its own (a council's
  SVG logo, an email preview) keeps it, with `frame-ancestors 'none'` added if it lacks one.
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
- `Referrer-Policy: same-origin`: no address (a tracking page's reference, a payment's return token)
  leaves the site in a Referer. Stricter than strict-origin-when-cross-origin, and unlike no-referrer it
  lets the browser send our own pages' `Origin` on their posts, which the CSRF rule checks.
- `X-Content-Type-Options: nosniff`: a file is only ever what its content type says.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class _Nonce:
    """This request's nonce, made when a page first asks for it (JSON answers never need one)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: str | None = None


_nonce_var: ContextVar[_Nonce | None] = ContextVar("civicshare_csp_nonce", default=None)

FRAME_ANCESTORS = "frame-ancestors 'none'"
NOTHING_POLICY = f"default-src 'none'; {FRAME_ANCESTORS}".encode()
ALWAYS = (
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)


def page_policy(nonce: str | None, image_origins: tuple[str, ...] = ()) -> str:
    """The policy of the platform's HTML pages: GOV.UK Frontend's script and styles from the platform's
    built assets, the page's inline script and council colours by nonce, images from the platform (and
    the empty `data:` favicon), and from `image_origins` on pages that ask (a map's tile server)."""
    inline = f" 'nonce-{nonce}'" if nonce else ""
    images = "".join(f" {origin}" for origin in image_origins)
    return (
        f"default-src 'self'; script-src 'self'{inline}; style-src 'self'{inline}; "
        f"img-src 'self' data:{images}; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        f"{FRAME_ANCESTORS}"
    )


def csp_nonce() -> str:
    """This request's nonce for an inline `<script>` or `<style>` (a template global)."""
    holder = _nonce_var.get()
    if holder is None:
        return ""
    if holder.value is None:
        holder.value = secrets.token_urlsafe(16)
    return holder.value


def _with_security_headers(headers: list[tuple[bytes, bytes]], nonce: _Nonce) -> list[tuple[bytes, bytes]]:
    """The answer's headers (names in lower case, as ASGI servers and Litestar send them) with the
    security headers it lacks."""
    present = set()
    content_type = b""
    policy_at = -1
    for index, (name, value) in enumerate(headers):
        present.add(name)
        if name == b"content-type":
            content_type = value
        elif name == b"content-security-policy":
            policy_at = index
    headers += [header for header in ALWAYS if header[0] not in present]
    if policy_at < 0:
        html = content_type.startswith(b"text/html")
        headers.append((b"content-security-policy", page_policy(nonce.value).encode() if html else NOTHING_POLICY))
    elif b"frame-ancestors" not in headers[policy_at][1]:
        headers[policy_at] = (b"content-security-policy", headers[policy_at][1] + b"; " + FRAME_ANCESTORS.encode())
    return headers


class SecurityHeaders:
    """ASGI wrapper: a nonce for each request's page, and the security headers on each answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        nonce = _Nonce()
        token = _nonce_var.set(nonce)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_security_headers(list(message.get("headers", [])), nonce)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _nonce_var.reset(token)
