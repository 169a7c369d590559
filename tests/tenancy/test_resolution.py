"""A request reaches the council it names, by host, own domain, path prefix or X-Tenant."""

from __future__ import annotations

import httpx

from civicshare.db.engine import Database
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.service import change_status
from tests.conftest import CouncilFactory
from tests.support import host_for


async def test_each_way_of_naming_a_council_reaches_it(http: httpx.AsyncClient, make_council: CouncilFactory) -> None:
    council = await make_council(domains=["services.test-borough.gov.uk"])
    ways = [
        {"headers": host_for(council.slug), "url": "/api/v1/council"},
        {"headers": {"Host": "services.test-borough.gov.uk"}, "url": "/api/v1/council"},
        {"headers": {}, "url": f"/t/{council.slug}/api/v1/council"},
        {"headers": {"X-Tenant": council.slug}, "url": "/api/v1/council"},
    ]
    for way in ways:
        response = await http.get(way["url"], headers=way["headers"])  # type: ignore[arg-type]
        assert response.status_code == 200, (way, response.text)
        assert response.json()["name"] == council.name


async def test_an_unknown_council_is_a_404_problem(http: httpx.AsyncClient) -> None:
    for request in (
        http.get("/api/v1/council", headers=host_for("atlantis")),
        http.get("/t/atlantis/api/v1/council"),
        http.get("/api/v1/council", headers={"X-Tenant": "atlantis"}),
        http.get("/", headers={"Host": "www.not-a-council.example"}),
    ):
        response = await request
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Council not found"


async def test_a_council_route_without_a_council_says_how_to_name_one(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v1/council")
    assert response.status_code == 404
    assert "X-Tenant" in response.json()["detail"]


async def test_a_suspended_council_says_so_and_comes_back_when_resumed(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    council = await make_council()
    async with database.engine.begin() as connection:
        await change_status(connection, council.slug, TenantStatus.SUSPENDED)
    response = await http.get("/api/v1/council", headers=host_for(council.slug))
    assert response.status_code == 503
    assert "suspended" in response.json()["detail"]
    assert council.name in response.json()["detail"]
    async with database.engine.begin() as connection:
        await change_status(connection, council.slug, TenantStatus.ACTIVE)
    response = await http.get("/api/v1/council", headers=host_for(council.slug))
    assert response.status_code == 200


async def test_every_response_carries_a_request_id(http: httpx.AsyncClient) -> None:
    mine = await http.get("/healthz", headers={"X-Request-Id": "support-ticket-42"})
    assert mine.headers["x-request-id"] == "support-ticket-42"
    generated = await http.get("/healthz", headers={"X-Request-Id": "not ok; <script>"})
    assert generated.headers["x-request-id"] != "not ok; <script>"
    assert len(generated.headers["x-request-id"]) == 32
    others = {(await http.get("/healthz")).headers["x-request-id"] for _ in range(20)}
    assert len(others | {generated.headers["x-request-id"]}) == 21  # each request its own
