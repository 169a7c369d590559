"""Behind a TLS-terminating proxy the platform sees plain http from the proxy. When the proxy is one
of CIVICSHARE_TRUSTED_PROXIES, its X-Forwarded-Proto and X-Forwarded-For are believed: cookies are
Secure, links are https and the logs name the real client. From anyone else they are ignored."""

from __future__ import annotations

import ipaddress
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.observability.logs import JsonFormatter
from civicshare.settings import Settings
from tests.support import ServedPlatform, host_for

from .conftest import CouncilWithOrganization, bearer, cookie_header
from .test_staff_work_queue import HIGHWAYS, report_pothole

CSRF_INPUT = 'name="csrf_token" value="'


@pytest.fixture(scope="module")
def behind_proxy(settings: Settings, database_url: str) -> Iterator[ServedPlatform]:
    """The platform as deployed behind a proxy on this machine (the tests' client plays the proxy)."""
    proxied = settings.model_copy(update={"trusted_proxies": (ipaddress.ip_network("127.0.0.1"),)})
    platform = ServedPlatform(proxied, database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
async def via_proxy(behind_proxy: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=behind_proxy.url, timeout=30) as client:
        yield client


def forwarded(slug: str, client: str = "203.0.113.9") -> dict[str, str]:
    return {**host_for(slug), "X-Forwarded-Proto": "https", "X-Forwarded-For": client}


async def sign_in(client: httpx.AsyncClient, slug: str, email: str) -> httpx.Response:
    page = await client.get("/dev-identity/sign-in", headers=forwarded(slug))
    token = page.text.split(CSRF_INPUT)[1].split('"')[0]
    return await client.post(
        "/dev-identity/sign-in",
        data={"email": email, "next": "/", "csrf_token": token},
        headers={**forwarded(slug), "Cookie": f"civicshare_csrf={page.cookies['civicshare_csrf']}"},
    )


def discovered_url(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    return str(answer.json()["endpoints"][0]["url"])


async def test_behind_a_trusted_proxy_cookies_are_secure_and_links_are_https(
    via_proxy: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(via_proxy, slug)
    email = f"kim-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, email, Role.COUNCIL_STAFF)

    signed_in = await sign_in(via_proxy, slug, email)
    assert signed_in.status_code == 303, signed_in.text
    session = next(value for value in signed_in.headers.get_list("set-cookie") if "civicshare_session=" in value)
    assert "Secure" in session
    discovery = await via_proxy.get("/open311/v2/discovery.json", headers=forwarded(slug))
    assert discovered_url(discovery) == f"https://{slug}.localhost/open311/v2/"
    # The browser is on https://<council>: that is the origin its pages post from
    cookies = {"civicshare_session": signed_in.cookies["civicshare_session"]}
    moved = await via_proxy.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "in_progress"},
        headers={**forwarded(slug), **cookie_header(cookies), "Origin": f"https://{slug}.localhost"},
    )
    assert moved.status_code == 200, moved.text


async def test_forwarding_headers_from_a_peer_nobody_trusts_are_ignored(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council()
    signed_in = await sign_in(http, slug, "rosa.resident@example.org")
    assert signed_in.status_code == 303, signed_in.text
    assert all("Secure" not in value for value in signed_in.headers.get_list("set-cookie"))
    discovery = await http.get("/open311/v2/discovery.json", headers=forwarded(slug))
    assert discovered_url(discovery) == f"http://{slug}.localhost/open311/v2/"


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def refusals() -> Iterator[LogLines]:
    handler = LogLines()
    logger = logging.getLogger("civicshare.identity.refused")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


async def test_logs_name_the_client_a_trusted_proxy_forwarded_and_no_one_else_can_claim_one(
    via_proxy: httpx.AsyncClient, http: httpx.AsyncClient, council: CouncilWithOrganization, refusals: LogLines
) -> None:
    slug = await council()
    forged_token = bearer("a.b.c", slug)
    chains = [
        (via_proxy, "198.51.100.7", "198.51.100.7"),
        # the client wrote the left part itself: only what the trusted proxy added counts
        (via_proxy, "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        (via_proxy, "198.51.100.7, 127.0.0.1", "198.51.100.7"),  # two proxies, both ours
        (http, "198.51.100.7", "127.0.0.1"),  # a peer nobody trusts: the connection's own address
    ]
    for client, chain, expected in chains:
        refusals.lines.clear()
        answer = await client.get("/api/v1/me", headers={**forged_token, "X-Forwarded-For": chain})
        assert answer.status_code == 401
        assert [line.get("client") for line in refusals.lines] == [expected], (chain, refusals.lines)
