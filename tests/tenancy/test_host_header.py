"""The Host header names a council exactly or the request is refused: a malformed or repeated Host is a
400 problem, never another council, never a 500, and never reflected into the links the platform gives.

Sent as raw HTTP/1.1 over loopback: HTTP clients tidy up (or refuse to send) the Hosts an attacker would."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx

from tests.conftest import CouncilFactory
from tests.support import ServedPlatform


async def raw_get(served: ServedPlatform, path: str, *host_lines: str) -> tuple[int, dict[str, str], bytes]:
    """GET `path` with exactly these Host header lines; the status, headers and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    try:
        hosts = "".join(f"Host: {host}\r\n" for host in host_lines)
        writer.write(f"GET {path} HTTP/1.1\r\n{hosts}Accept: application/json\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunked(body)
    return int(status_line.split()[1]), headers, body


def _unchunked(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, body = out + rest[:size], rest[size + 2 :]
    return out


async def test_a_host_with_something_after_the_port_is_refused_not_taken_for_the_council(
    served: ServedPlatform, make_council: CouncilFactory
) -> None:
    council = await make_council()
    for host in (
        f"{council.slug}.localhost:8101@evil.example",
        f"{council.slug}.localhost:evil",
        f"{council.slug}.localhost:99999",
        f"{council.slug}.localhost/evil.example",
        f"evil.example@{council.slug}.localhost",
        f"{council.slug}.localhost:8101:8102",
        "[::1",
    ):
        status, headers, body = await raw_get(served, "/api/v1/council", host)
        assert status == 400, (host, status, body)
        assert headers["content-type"].startswith("application/problem+json"), (host, body)
        problem = json.loads(body)
        assert problem["type"].endswith("bad-host"), problem
        assert b"evil" not in body
        # Under /open311/ the same refusal, in GeoReport's own error format.
        status, headers, body = await raw_get(served, "/open311/v2/discovery.json", host)
        assert status == 400, (host, status, body)
        [error] = json.loads(body)
        assert error["code"] == 400 and "Host" in error["description"], error
        assert b"evil" not in body


async def test_two_host_headers_are_refused(served: ServedPlatform, make_council: CouncilFactory) -> None:
    council = await make_council()
    for hosts in ((f"{council.slug}.localhost", "evil.example"), (f"{council.slug}.localhost",) * 2):
        status, _, body = await raw_get(served, "/api/v1/council", *hosts)
        assert status == 400, (hosts, status, body)
        assert json.loads(body)["type"].endswith("bad-host")


async def test_links_the_platform_gives_name_the_councils_configured_host(
    served: ServedPlatform, http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    domain = f"services.{uuid.uuid4().hex[:8]}.gov.uk"
    council = await make_council(domains=[domain])
    for host, origin in (
        (f"{council.slug.upper()}.LOCALHOST:8101", f"http://{council.slug}.localhost:8101"),
        (f"{council.slug}.localhost", f"http://{council.slug}.localhost"),
        (domain.upper(), f"http://{domain}"),
    ):
        status, _, body = await raw_get(served, "/open311/v2/discovery.json", host)
        assert status == 200, (host, body)
        assert json.loads(body)["endpoints"][0]["url"] == f"{origin}/open311/v2/"
    by_prefix = await http.get(f"/t/{council.slug}/open311/v2/discovery.json")
    assert by_prefix.json()["endpoints"][0]["url"] == f"{served.url}/t/{council.slug}/open311/v2/"
