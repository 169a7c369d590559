"""Who a request comes from, as the rate limits count it."""

from __future__ import annotations

import socket
from typing import Any

from civicshare.edge.proxies import client_address as forwarded_client_address

_IPV4_MAPPED = b"\x00" * 10 + b"\xff\xff"


def client_address(scope: Any) -> str:
    """The address the request came from: behind trusted proxies, the one they forwarded
    (`civicshare.edge.proxies`, the platform's one reading of it)."""
    return forwarded_client_address(scope) or "unknown"


def client_network(address: str) -> str:
    """What one client is counted as: an IPv4 address, or an IPv6 address's /64 (one home or phone has a
    whole /64 to itself, and could otherwise step to a fresh address on every request)."""
    if ":" not in address:
        return address
    try:
        packed = socket.inet_pton(socket.AF_INET6, address.split("%", 1)[0])
    except OSError:
        return address
    if packed[:12] == _IPV4_MAPPED:
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    return socket.inet_ntop(socket.AF_INET6, packed[:8] + bytes(8)) + "/64"
