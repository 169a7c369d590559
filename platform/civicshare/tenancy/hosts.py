"""The Host a request names, read strictly, and the origin the platform answers it on.

A Host is `name[:port]` (RFC 9110 §7.2, RFC 3986 §3.2.2): a DNS name or IPv4 address, or an IPv6 literal
in brackets, and a port of digits. Anything else (`kingston.localhost:8101@evil.example`,
`kingston.localhost:evil`) and a repeated Host are refused, never trimmed into something that matches a
council. Links the platform gives out are built from the name as the platform has it configured (the
council's `<slug>.<base domain>`, one of its own domains, or the platform's own host), never from the
header's text: see `public_origin`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from civicshare.http.problems import Problem

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_.-]{0,251}[a-z0-9])?$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]{2,45}\]$")
_PORT = re.compile(r"^[0-9]{1,5}$")
PUBLIC_ORIGIN_KEY = "civicshare.public_origin"


@dataclass(frozen=True)
class RequestHost:
    """A well-formed Host: its name in lower case (an IPv6 literal keeps its brackets) and port if any."""

    name: str
    port: int | None = None


class MalformedHost(ValueError):
    """A Host header that is not `name[:port]`, or more than one Host header."""


def bad_host(reason: str) -> Problem:
    return Problem(400, "Bad request", f"The Host header {reason}.", name="bad-host")


def parse_host(value: str) -> RequestHost | None:
    """The Host `value` as name and port; None for an empty Host (allowed by HTTP/1.1). Raises MalformedHost."""
    text = value.strip().lower()
    if not text:
        return None
    if text.startswith("["):
        name, bracket, rest = text.partition("]")
        name += bracket
        if not _IPV6.match(name) or (rest and not rest.startswith(":")):
            raise MalformedHost("is not a valid IPv6 address")
        port_text = rest[1:] if rest else None
    else:
        name, colon, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if colon else None
        if not _NAME.match(name) or ".." in name:
            raise MalformedHost("is not a host name")
    if port_text is None or port_text == "":
        return RequestHost(name)
    if not _PORT.match(port_text) or not 0 < int(port_text) <= 65535:
        raise MalformedHost("has a port that is not a number from 1 to 65535")
    return RequestHost(name, int(port_text))


def request_host(scope: Any) -> RequestHost | None:
    """The request's one Host, parsed; None when it sent none (or an empty one). Raises MalformedHost."""
    values = [value for key, value in scope["headers"] if key == b"host"]
    if len(values) > 1:
        raise MalformedHost("is sent more than once")
    if not values:
        return None
    try:
        text = bytes(values[0]).decode("ascii")
    except UnicodeDecodeError:
        raise MalformedHost("is not a host name") from None
    return parse_host(text)


def origin_for(scheme: str, name: str, port: int | None) -> str:
    """`scheme://name[:port]`, leaving out the scheme's default port."""
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{name}" if port in (None, default) else f"{scheme}://{name}:{port}"


def public_origin(scope: Any) -> str:
    """The origin (`https://kingston.example.gov.uk`) this request reached the platform on, as configured.

    Council resolution records it for every request; a link the platform gives out starts with it (then
    with `api.scope.root_path` for the `/t/<council>` prefix). Cookie-signed writes must come from it.
    """
    recorded = scope.get(PUBLIC_ORIGIN_KEY)
    if recorded is not None:
        return str(recorded)
    host, port = scope.get("server") or ("localhost", None)
    return origin_for(str(scope.get("scheme", "http")), str(host), port)
