"""Too many requests from one address, or at one council, are answered 429 with Retry-After.

One app of this module's own with low limits and a clock the tests move on (no sleeping), reached in
process with a chosen client address for each request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.middleware import DefineMiddleware
from litestar.routes import HTTPRoute

from civicshare.api.direct_submit import DirectSubmissions
from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine
from civicshare.ratelimits.gcra import GcraTable
from civicshare.ratelimits.limits import RateLimits, Traffic
from civicshare.ratelimits.middleware import RateLimitMiddleware
from civicshare.ratelimits.rates import Rate
from civicshare.settings import Settings, SettingsError, load_settings
from civicshare.tenancy.resolution import TenantResolver
from civicshare.tenancy.service import onboard_tenant
from tests.support import council_definition, host_for

LOW_LIMITS = {
    "rate_limit_tracking_per_address": "3/minute",
    "rate_limit_tracking_per_council": "5/minute",
    "rate_limit_submissions_per_address": "2/minute",
    "rate_limit_uploads_per_address": "2/minute",
    "rate_limit_sign_in_per_address": "2/minute",
    "rate_limit_admin_per_address": "2/minute",
}
for _traffic in ("submissions", "uploads", "sign_in", "admin"):
    LOW_LIMITS[f"rate_limit_{_traffic}_per_council"] = "100/minute"

RESIDENT = "198.51.100.7"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
STREETLIGHT = {
    "answers": {"location_description": "Outside 4 Mill Lane", "fault": "out"},
    "channel": "web",
    "contact_email": "pat@example.org",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class LimitedPlatform:
    app: Any  # the ASGI app as served
    litestar: Litestar
    clock: Clock
    councils: tuple[str, str]

    def client(self, address: str = RESIDENT) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
        return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
async def platform(settings: Settings, database: Database, database_url: str) -> AsyncIterator[LimitedPlatform]:
    limited = settings.model_copy(update=LOW_LIMITS)
    slugs = []
    for _ in range(2):
        council = council_definition(modules={"highways": {"enabled": True}})
        async with database.engine.begin() as connection:
            await onboard_tenant(connection, council)
        slugs.append(council.slug)
    own_database = Database(make_engine(database_url, pool_size=2), database_url)
    clock = Clock()
    services = build_services(limited, own_database)
    services.rate_limits = RateLimits.from_settings(limited, clock=clock)
    app = create_app(limited, services)
    resolver: Any = app
    while not isinstance(resolver, TenantResolver):
        resolver = resolver.app  # inside the edge's wrappers (security headers, trusted proxies)
    assert isinstance(resolver.app, DirectSubmissions)
    yield LimitedPlatform(app, resolver.app.app, clock, (slugs[0], slugs[1]))
    await own_database.dispose()


@pytest.fixture(autouse=True)
def full_allowances(platform: LimitedPlatform) -> None:
    platform.clock.advance(3600)  # an hour on: every allowance is full again


async def track(client: httpx.AsyncClient, slug: str, **headers: str) -> httpx.Response:
    reference = f"XXX-2026-{uuid.uuid4().int % 10**6:06d}"
    return await client.get(
        f"/api/v1/transactions/{reference}", params={"email": "pat@example.org"}, headers={**host_for(slug), **headers}
    )


def assert_too_many(response: httpx.Response, retry_after: int, limited: str = "address") -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == str(retry_after)
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:civicshare:problem:too-many-requests"
    assert problem["retry_after"] == retry_after and problem["limited"] == limited
    assert f"Wait {retry_after} second" in problem["detail"]


async def test_tracking_guesses_from_one_address_are_refused_with_429_and_retry_after(
    platform: LimitedPlatform,
) -> None:
    slug = platform.councils[0]
    async with platform.client() as client:
        for _ in range(3):
            assert (await track(client, slug)).status_code == 404
        # 3 a minute: one more allowed every 20 seconds.
        assert_too_many(await track(client, slug), retry_after=20)
        assert_too_many(await track(client, slug), retry_after=20)  # a refused request spends nothing


async def test_after_waiting_as_told_the_resident_may_track_again(platform: LimitedPlatform) -> None:
    slug = platform.councils[0]
    async with platform.client() as client:
        for _ in range(3):
            await track(client, slug)
        assert_too_many(await track(client, slug), retry_after=20)
        platform.clock.advance(19)
        assert_too_many(await track(client, slug), retry_after=1)
        platform.clock.advance(1)
        assert (await track(client, slug)).status_code == 404
        assert_too_many(await track(client, slug), retry_after=20)  # one came back, not the whole allowance


async def test_one_address_flooding_one_council_leaves_other_councils_and_addresses_alone(
    platform: LimitedPlatform,
) -> None:
    flooded, other = platform.councils
    async with platform.client() as flooder:
        for _ in range(3):
            await track(flooder, flooded)
        assert_too_many(await track(flooder, flooded), retry_after=20)
        assert (await track(flooder, other)).status_code == 404
    async with platform.client("198.51.100.8") as neighbour:
        assert (await track(neighbour, flooded)).status_code == 404


async def test_a_council_wide_flood_from_many_addresses_is_refused_there_only(platform: LimitedPlatform) -> None:
    flooded, other = platform.councils
    for number in range(1, 6):  # 5 a minute at a council, from any addresses
        async with platform.client(f"203.0.113.{number}") as client:
            assert (await track(client, flooded)).status_code == 404
    async with platform.client("203.0.113.6") as latecomer:
        assert_too_many(await track(latecomer, flooded), retry_after=12, limited="council")
        assert (await track(latecomer, other)).status_code == 404


async def test_an_ipv6_client_counts_as_its_whole_64_block(platform: LimitedPlatform) -> None:
    slug = platform.councils[0]
    for host in range(3):
        async with platform.client(f"2001:db8:1:2::{host + 1:x}") as client:
            assert (await track(client, slug)).status_code == 404
    async with platform.client("2001:db8:1:2:ffff::9") as same_home:
        assert_too_many(await track(same_home, slug), retry_after=20)
    async with platform.client("2001:db8:1:3::1") as next_door:
        assert (await track(next_door, slug)).status_code == 404


async def test_submissions_are_limited_on_the_direct_lane_and_counted_once_when_passed_to_litestar(
    platform: LimitedPlatform,
) -> None:
    slug = platform.councils[0]
    url = "/api/v1/services/report-streetlight/transactions"

    async def submit(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
        headers = {**host_for(slug), "content-type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
        return await client.post(url, content=json.dumps(body), headers=headers)

    async with platform.client() as client:
        refused_by_litestar = await submit(client, {"answers": "not an object"})  # the lane passes it on
        assert refused_by_litestar.status_code == 400
        assert (await submit(client, STREETLIGHT)).status_code == 201
        assert_too_many(await submit(client, STREETLIGHT), retry_after=30)


async def test_uploads_sign_in_and_the_admin_api_are_limited_per_address(platform: LimitedPlatform) -> None:
    slug = platform.councils[0]
    at_council = host_for(slug)
    attempts: dict[str, tuple[str, str, dict[str, Any]]] = {
        "uploads": (
            "POST",
            "/api/v1/transactions/XXX-2026-000001/attachments",
            {"files": {"files": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}, "headers": at_council},
        ),
        "sign-in": ("POST", "/dev-identity/token", {"json": {"email": "nobody@example.org"}, "headers": at_council}),
        "admin API": ("GET", "/admin/v1/councils", {}),
    }
    async with platform.client() as client:
        for kind, (method, url, sent) in attempts.items():
            first, second, third = [await client.request(method, url, **sent) for _ in range(3)]
            assert first.status_code == second.status_code != 429, (kind, first.text)
            assert_too_many(third, retry_after=30)


async def test_a_browser_tracking_too_often_gets_the_councils_error_page(platform: LimitedPlatform) -> None:
    slug = platform.councils[0]
    headers = {**host_for(slug), **BROWSER}
    async with platform.client() as browser:
        form = await browser.get("/track", headers=headers)
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        guess = {"reference": "XXX-2026-000001", "email": "pat@example.org", "csrf_token": token}
        for _ in range(3):
            assert (await browser.post("/track", data=guess, headers=headers)).status_code == 400
        page = await browser.post("/track", data=guess, headers=headers)
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "20"
    assert "Sorry, there have been too many attempts" in page.text
    assert "too many attempts at tracking requests from your address. Wait 20 seconds" in page.text


async def test_a_report_sent_once_too_often_on_the_website_keeps_its_answers_until_the_wait_is_over(
    platform: LimitedPlatform,
) -> None:
    slug = platform.councils[0]
    headers = {**host_for(slug), **BROWSER}
    service = "/services/report-pothole"
    answers = {
        "location": {"location_description": "Outside 9 Market Place"},
        "details": {"size": "large", "on": "road"},
        "contact": {"email": "pat@example.org"},
    }
    async with platform.client() as browser:
        form = await browser.get(f"{service}/location", headers=headers)
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

        async def report() -> httpx.Response:
            for step, fields in answers.items():
                posted = {**fields, "csrf_token": token}
                answered = await browser.post(f"{service}/{step}", data=posted, headers=headers)
                assert answered.status_code == 303, answered.text
            return await browser.post(f"{service}/check", data={"csrf_token": token}, headers=headers)

        for _ in range(2):
            sent = await report()
            assert sent.status_code == 303 and sent.headers["location"].endswith("/confirmation")
        refused = await report()
        assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
        assert "your answers so far are kept" in refused.text

        platform.clock.advance(30)
        sent = await browser.post(f"{service}/check", data={"csrf_token": token}, headers=headers)
        assert sent.status_code == 303 and sent.headers["location"].endswith("/confirmation")


LIMITED_ROUTES = {
    ("POST", "/api/v1/services/{code:str}/transactions"): Traffic.SUBMISSIONS,
    ("GET", "/api/v1/transactions/{reference:str}"): Traffic.TRACKING,
    ("POST", "/api/v1/transactions/{reference:str}/payment"): Traffic.TRACKING,
    ("POST", "/api/v1/transactions/{reference:str}/attachments"): Traffic.UPLOADS,
    ("POST", "/track"): Traffic.TRACKING,
    ("POST", "/services/{code:str}/photos/{reference:str}"): Traffic.UPLOADS,
    ("POST", "/services/{code:str}/photos"): Traffic.UPLOADS,
    ("POST", "/services/{code:str}/feedback/{reference:str}"): Traffic.SUBMISSIONS,
    ("GET", "/open-data/service-measures.csv"): Traffic.TRACKING,
    ("POST", "/start/{code:str}"): Traffic.TRACKING,  # a front door: finding the council by place
    ("GET", "/api/v1/addresses"): Traffic.TRACKING,
    ("GET", "/api/v1/services/{code:str}/nearby"): Traffic.TRACKING,
    ("POST", "/api/v1/services/{code:str}/nearby/follow"): Traffic.SUBMISSIONS,
    ("POST", "/services/{code:str}/follow"): Traffic.SUBMISSIONS,
    ("POST", "/unfollow"): Traffic.SUBMISSIONS,
    ("GET", "/auth/sign-in"): Traffic.SIGN_IN,
    ("GET", "/auth/callback"): Traffic.SIGN_IN,
    ("POST", "/dev-identity/sign-in"): Traffic.SIGN_IN,
    ("POST", "/dev-identity/token"): Traffic.SIGN_IN,
    ("GET", "/dev-identity/authorize"): Traffic.SIGN_IN,
    ("GET", "/dev-identity/complete"): Traffic.SIGN_IN,
    ("POST", "/open311/v2/requests.xml"): Traffic.SUBMISSIONS,
    ("POST", "/open311/v2/requests.json"): Traffic.SUBMISSIONS,
    ("POST", "/open311/v2/servicerequestupdates.xml"): Traffic.SUBMISSIONS,
    ("POST", "/open311/v2/servicerequestupdates.json"): Traffic.SUBMISSIONS,
}
"""Beside these, every admin API route; the website's last step (check your answers) counts as a submission."""


def test_tracking_submitting_uploading_signing_in_and_the_admin_api_are_the_limited_routes(
    platform: LimitedPlatform,
) -> None:
    declared = {}
    for route in platform.litestar.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for middleware in handler.resolve_middleware():
                if isinstance(middleware, DefineMiddleware) and middleware.middleware is RateLimitMiddleware:
                    for method in handler.http_methods:
                        declared[(method, route.path)] = middleware.kwargs["traffic"]
    admin = {key: traffic for key, traffic in declared.items() if key[1].startswith("/admin/v1/")}
    assert len(admin) > 40 and set(admin.values()) == {Traffic.ADMIN}
    every_admin_route = {
        (method, route.path)
        for route in platform.litestar.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/admin/v1/")
        for method in route.methods - {"OPTIONS", "HEAD"}
    }
    assert every_admin_route <= set(admin)
    assert {key: traffic for key, traffic in declared.items() if key not in admin} == LIMITED_ROUTES


def test_each_worker_remembers_a_bounded_number_of_clients_forgetting_the_longest_unseen_first() -> None:
    table = GcraTable(capacity=3)
    rate = Rate(1, 60.0)
    for client in ("a", "b", "c", "a", "d"):  # "a" seen again before "d" comes
        table.record(client, table.next_arrival(client, rate, 0.0)[0])
    assert len(table) == 3
    assert table.next_arrival("b", rate, 2.0)[1] == 0  # forgotten: starts afresh
    assert table.next_arrival("c", rate, 2.0)[1] > 0  # remembered: still waits


def test_a_rate_limit_setting_that_is_not_a_rate_stops_the_platform_starting_with_its_name() -> None:
    with pytest.raises(SettingsError, match="CIVICSHARE_RATE_LIMIT_TRACKING_PER_ADDRESS"):
        load_settings(rate_limit_tracking_per_address="lots")
    with pytest.raises(SettingsError, match="CIVICSHARE_RATE_LIMIT_ADMIN_PER_COUNCIL"):
        load_settings(rate_limit_admin_per_council="0/minute")
    allowed = load_settings(rate_limit_tracking_per_address="600/10 minutes", rate_limit_admin_per_council="off")
    limits = RateLimits.from_settings(allowed).limits
    assert limits[Traffic.TRACKING][1].per_address == Rate(600, 600.0)
    assert limits[Traffic.ADMIN][1].per_council is None
