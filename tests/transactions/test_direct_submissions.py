"""Submissions served ahead of Litestar answer exactly as Litestar itself would, good request or bad."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from civicshare.api.direct_submit import DirectSubmissions
from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine
from civicshare.edge.headers import SecurityHeaders
from civicshare.edge.proxies import TrustedProxies
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.tenancy.resolution import TenantResolver
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import host_for

STREETLIGHT = {"location_description": "Outside 4 Mill Lane", "fault": "out"}
# What differs between two otherwise equal answers: the reference, the times, the upload token.
_VARYING = re.compile(r"[A-Z]+-\d{4}-\d{6}|\d{4}-\d\d-\d\dT[\d:.]+Z?|\d{10}\.[0-9a-f]{32}")


class CountingApp:
    """The Litestar app, counting the requests that reach it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.requests += 1
        await self.app(scope, receive, send)


@dataclass
class Clients:
    direct: httpx.AsyncClient  # the platform as served
    litestar: httpx.AsyncClient  # every request through Litestar
    behind_lane: CountingApp


@pytest.fixture
async def clients(settings: Settings, database_url: str) -> AsyncIterator[Clients]:
    database = Database(make_engine(database_url, pool_size=2), database_url)
    services: PlatformServices = build_services(settings, database)
    direct = create_app(settings, services)
    assert isinstance(direct, SecurityHeaders) and isinstance(direct.app, TrustedProxies)
    resolver = direct.app.app
    assert isinstance(resolver, TenantResolver) and isinstance(resolver.app, DirectSubmissions)
    behind_lane = resolver.app.app = CountingApp(resolver.app.app)  # type: ignore[assignment]
    through_litestar = create_app(settings, services, direct_submissions=False)

    def client(app: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async with client(direct) as direct_client, client(through_litestar) as litestar:
        yield Clients(direct_client, litestar, behind_lane)
    await services.database.dispose()


def _comparable(response: httpx.Response) -> tuple[int, str | None, str, str | None, str | None]:
    return (
        response.status_code,
        response.headers.get("content-type"),
        _VARYING.sub("…", response.text),
        response.headers.get("idempotent-replayed"),
        _VARYING.sub("…", response.headers.get("location", "")) or None,
    )


async def _both(
    clients: Clients, slug: str, *, content: bytes, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[httpx.Response, httpx.Response]:
    url = "/api/v1/services/report-streetlight/transactions"
    sent = {**host_for(slug), "content-type": "application/json", **(headers or {})}
    direct = await clients.direct.request(method, url, content=content, headers=sent)
    litestar = await clients.litestar.request(method, url, content=content, headers=sent)
    return direct, litestar


def _body(answers: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"answers": answers, "channel": "web", "contact_email": "ada@example.org", **extra}).encode()


async def test_a_submission_is_answered_without_litestar_and_reads_the_same(
    clients: Clients, councils: Councils
) -> None:
    slug = councils.member.slug
    url = "/api/v1/services/report-streetlight/transactions"
    first: dict[str, httpx.Response] = {}
    for attempt in ("first", "retry"):
        for name, client in (("direct", clients.direct), ("litestar", clients.litestar)):
            sent = {**host_for(slug), "Idempotency-Key": f"key-{name}", "content-type": "application/json"}
            response = await client.post(url, content=_body(STREETLIGHT), headers=sent)
            assert response.status_code == 201, response.text
            if attempt == "first":
                first[name] = response
            else:  # each retry returns its own first answer
                assert response.headers["idempotent-replayed"] == "true"
                assert response.json()["reference"] == first[name].json()["reference"]
    assert _comparable(first["direct"]) == _comparable(first["litestar"])
    assert first["direct"].json()["reference"] != first["litestar"].json()["reference"]
    assert clients.behind_lane.requests == 0


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        pytest.param(b'{"answers": {', {}, id="not JSON"),
        pytest.param(b'{"answers": ["out"], "channel": "web"}', {}, id="answers not an object"),
        pytest.param(b"", {}, id="no body"),
        pytest.param(_body(STREETLIGHT), {"Idempotency-Key": "k" * 256}, id="key too long"),
        pytest.param(_body({"location_description": "x" * 1024 * 1024}), {}, id="body over the limit"),
        pytest.param(_body({"location_description": "Mill\x00Lane"}), {}, id="a NUL in an answer"),
        pytest.param(b'{"answers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}, id="nested past the decoder"),
        pytest.param(b'{"answers": {"fault": "\xff"}}', {}, id="invalid UTF-8"),
    ],
)
async def test_a_request_litestar_would_refuse_is_refused_by_litestar_in_its_own_words(
    clients: Clients, councils: Councils, content: bytes, headers: dict[str, str]
) -> None:
    direct, litestar = await _both(clients, councils.member.slug, content=content, headers=headers)
    assert 400 <= direct.status_code < 500
    assert direct.headers["content-type"] == "application/problem+json"
    assert _comparable(direct) == _comparable(litestar)
    assert clients.behind_lane.requests == 1


async def test_problems_raised_while_submitting_read_the_same(clients: Clients, councils: Councils) -> None:
    slug = councils.outsider.slug
    fresh = None  # a new key each time
    cases = [
        ("report-streetlight", _body({"fault": "out"}), fresh),  # the location is missing: 422 with every field
        ("no-such-service", _body(STREETLIGHT), fresh),  # 404
        ("report-streetlight", _body(STREETLIGHT, channel="fax"), fresh),  # 422
        ("report-streetlight", _body(STREETLIGHT, return_url="https://elsewhere.example"), fresh),  # 422
        ("report-streetlight", _body(STREETLIGHT), ""),  # an empty Idempotency-Key: 400
    ]
    for service, content, key in cases:
        url = f"/api/v1/services/{service}/transactions"
        sent = {
            **host_for(slug),
            "content-type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex if key is fresh else key,
        }
        direct = await clients.direct.post(url, content=content, headers=sent)
        litestar = await clients.litestar.post(url, content=content, headers=sent)
        assert direct.status_code in (400, 404, 422), direct.text
        assert key is fresh or direct.json()["errors"][0]["field"] == "Idempotency-Key"
        assert _comparable(direct) == _comparable(litestar)
    assert clients.behind_lane.requests == 0


async def test_a_paid_service_and_other_methods_read_the_same(clients: Clients, councils: Councils) -> None:
    slug = councils.overriding.slug
    url = "/api/v1/services/garden-waste-subscription/transactions"
    content = _body(answers_for("garden-waste-subscription", councils.overriding))
    sent = {**host_for(slug), "content-type": "application/json"}
    direct = await clients.direct.post(url, content=content, headers=sent)
    litestar = await clients.litestar.post(url, content=content, headers=sent)
    assert direct.status_code == 201, direct.text
    two_bins_at_its_own_price = 2 * 5500
    assert (
        direct.json()["payment"]["amount_pence"]
        == litestar.json()["payment"]["amount_pence"]
        == two_bins_at_its_own_price
    )
    assert direct.json()["payment"]["status"] == litestar.json()["payment"]["status"] == "created"
    assert direct.json()["status"] == litestar.json()["status"] == "awaiting_payment"
    assert clients.behind_lane.requests == 0

    got, got_by_litestar = await _both(clients, slug, content=b"", method="GET")
    assert got.status_code == 405
    assert _comparable(got) == _comparable(got_by_litestar)
    assert clients.behind_lane.requests == 1
