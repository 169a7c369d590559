"""The client's address and the scheme it used, believed from forwarding headers only when the proxy in
front of the platform is one of `CIVICSHARE_TRUSTED_PROXIES`.

Behind a TLS-terminating proxy the platform sees plain http from the proxy's address. A trusted proxy's
`X-Forwarded-For` / `X-Forwarded-Proto` (or RFC 7239 `Forwarded`, with `CIVICSHARE_PROXY_HEADER=forwarded`)
then replace the connection's client address and scheme in the ASGI scope, so cookies get `Secure`,
links and sign-in redirect URIs are https, and logs (and limits) see the real client. The forwarded
chain is read from the right, skipping trusted proxies: the first address no trusted proxy owns is the
client, since everything to its left was written by the client itself. From any other peer the headers
are ignored, so nobody can claim another address or scheme by sending them.

`client_address(scope)` is the one answer to "who is the client" for every part of the platform.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from civicshare.observability.logs import client_address_var
from civicshare.settings import ProxyHeader

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_SCHEMES = frozenset({"http", "https"})


def client_address(scope: Any) -> str | None:
    """The client's IP address: the connection's peer, or behind trusted proxies the address they
    forwarded. None when the server does not know it (a Unix socket)."""
    client = scope.get("client")
    return str(client[0]) if client else None


@dataclass(frozen=True)
class Hop:
    """One forwarded hop: the address a proxy received the request from, and the scheme it came by."""

    address: str | None
    scheme: str | None


def _address(text: str) -> str | None:
    """An IP address from a forwarded `for` value (`203.0.113.9`, `"[2001:db8::1]:4711"`, `1.2.3.4:80`)."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None  # "unknown", an obfuscated identifier, or garbage


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [bytes(value).decode("latin-1") for key, value in scope["headers"] if key == name]


def _list(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",")]


def x_forwarded_hops(scope: Scope) -> list[Hop]:
    addresses = _list(_headers(scope, b"x-forwarded-for"))
    schemes = [part.lower() for part in _list(_headers(scope, b"x-forwarded-proto"))]
    if not addresses:
        return [Hop(None, schemes[-1])] if schemes else []
    # Lists of equal length pair up hop by hop; otherwise the nearest proxy's scheme is the one to believe.
    paired = len(schemes) == len(addresses)
    return [
        Hop(_address(address), schemes[index] if paired else (schemes[-1] if schemes else None))
        for index, address in enumerate(addresses)
    ]


def forwarded_hops(scope: Scope) -> list[Hop]:
    hops = []
    for element in _list(_headers(scope, b"forwarded")):
        pairs = {}
        for pair in element.split(";"):
            key, _, value = pair.partition("=")
            pairs[key.strip().lower()] = value.strip().strip('"')
        hops.append(Hop(_address(pairs["for"]) if "for" in pairs else None, pairs.get("proto", "").lower() or None))
    return hops


class TrustedProxies:
    """ASGI wrapper: the client address and scheme a trusted proxy forwarded, put in the scope."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network], header: ProxyHeader) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.read_hops = forwarded_hops if header is ProxyHeader.FORWARDED else x_forwarded_hops

    def trusts(self, address: str | None) -> bool:
        if address is None or not self.trusted:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def forwarded(self, scope: Scope) -> Scope:
        hops = self.read_hops(scope)
        client, scheme = client_address(scope), None
        for hop in reversed(hops):
            scheme = hop.scheme or scheme
            if hop.address is None:
                break  # a hop nobody can vouch for: nothing to its left can be believed either
            client = hop.address
            if not self.trusts(hop.address):
                break
        forwarded: dict[str, Any] = {}
        if client != client_address(scope):
            forwarded["client"] = (client, 0)
        if scheme in _SCHEMES and scheme != scope["scheme"]:
            forwarded["scheme"] = scheme
        return {**scope, **forwarded} if forwarded else scope  # type: ignore[return-value]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] == ScopeType.HTTP and self.trusts(client_address(scope)):
            scope = self.forwarded(scope)
        token = client_address_var.set(client_address(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            client_address_var.reset(token)
