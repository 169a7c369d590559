"""Which addresses a webhook may be sent to (server-side request forgery).

In production an endpoint must be https and every address its host resolves to must be public: loopback,
private, link-local (cloud metadata at 169.254.169.254), multicast, reserved and other non-global
addresses are refused. The check runs when an endpoint is registered or changed, and again on every
delivery, where the connection is made to the very address that was checked (`GuardedNetwork`), so a
DNS answer that changes between the check and the connection cannot reach an internal address.
In development and tests loopback and private addresses are allowed so a receiver can run on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

URL_MAX_LENGTH = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """An endpoint address the platform will not send to; the message says why, for the council admin."""


@dataclass(frozen=True)
class TargetPolicy:
    allow_private: bool
    require_https: bool

    def check_url(self, url: str) -> tuple[str, int]:
        """The host and port of a URL fit to register, or TargetRefused saying what is wrong with it."""
        if len(url) > URL_MAX_LENGTH:
            raise TargetRefused(f"must be {URL_MAX_LENGTH} characters or fewer")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise TargetRefused("is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetRefused("must be a full web address starting https://")
        if self.require_https and parts.scheme != "https":
            raise TargetRefused("must start https:// (deliveries are only sent encrypted)")
        if parts.username or parts.password:
            raise TargetRefused("must not contain a user name or password")
        if parts.fragment:
            raise TargetRefused("must not contain a fragment (#...)")
        return parts.hostname, port or (443 if parts.scheme == "https" else 80)

    def refusal(self, address: IpAddress) -> str | None:
        """Why this address may not be sent to, or None when it may."""
        if self.allow_private:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        for kind, applies in (
            ("a loopback", address.is_loopback),
            ("a link-local", address.is_link_local),
            ("a multicast", address.is_multicast),
            ("an unspecified", address.is_unspecified),
            ("a reserved", address.is_reserved),
            ("a private", address.is_private),
        ):
            if applies:
                return f"{address} is {kind} address"
        if not address.is_global:
            return f"{address} is not a public internet address"
        return None

    async def addresses_for(self, host: str, port: int) -> list[IpAddress]:
        """Every address the host resolves to, all of them allowed; TargetRefused otherwise."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            found = [literal]
        else:
            try:
                answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError):
                raise TargetRefused(f"{host} could not be found (DNS)") from None
            found = list(dict.fromkeys(ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers))
        if not found:
            raise TargetRefused(f"{host} could not be found (DNS)")
        for address in found:
            if (reason := self.refusal(address)) is not None:
                said = reason if literal is not None else f"{host} resolves to {reason}"
                raise TargetRefused(f"{said}: webhooks are sent only to public internet addresses")
        return found

    async def check(self, url: str) -> list[IpAddress]:
        host, port = self.check_url(url)
        return await self.addresses_for(host, port)
