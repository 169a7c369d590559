"""When the database is out of reach, residents and API clients are told to try again (503 with
Retry-After), never shown a 500, and the platform comes back by itself once the database does.

The platform under test reaches the real database through a proxy the test takes down (see
`database_proxy`), so the outage is real to it while the rest of the test run carries on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from civicshare.db.embedded import EmbeddedServer
from civicshare.settings import Settings
from tests.conftest import CouncilFactory
from tests.db.database_proxy import DatabaseProxy
from tests.support import ServedPlatform, host_for

SUBMIT = "/api/v1/services/report-streetlight/transactions"
STREETLIGHT = {
    "answers": {"location_description": "Outside 4 Mill Lane", "fault": "out"},
    "channel": "web",
    "contact_email": "resident@example.org",
}
UNAVAILABLE = "urn:civicshare:problem:database-unavailable"
STREETLIGHTS = {"highways": {"enabled": True}}


@pytest.fixture
def proxy(embedded_postgres: EmbeddedServer) -> Iterator[DatabaseProxy]:
    proxy = DatabaseProxy(f"{embedded_postgres.socket_dir}/.s.PGSQL.5432").start()
    yield proxy
    proxy.stop()


def platform_behind(proxy: DatabaseProxy, settings: Settings, database_url: str, cache_seconds: int) -> ServedPlatform:
    name = database_url.split("@/", 1)[1].split("?")[0]
    changed = settings.model_copy(update={"tenant_cache_seconds": cache_seconds})
    platform = ServedPlatform(changed, proxy.url(name), pool_size=2)
    platform.start()
    return platform


def assert_told_to_retry(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == UNAVAILABLE
    assert "same Idempotency-Key" in response.json()["detail"]


async def submit(client: httpx.AsyncClient, slug: str, key: str) -> httpx.Response:
    return await client.post(SUBMIT, json=STREETLIGHT, headers={**host_for(slug), "Idempotency-Key": key})


async def test_a_resident_meeting_an_outage_is_told_to_retry_and_their_retry_is_recorded_once(
    proxy: DatabaseProxy, settings: Settings, database_url: str, make_council: CouncilFactory
) -> None:
    council = await make_council(modules=STREETLIGHTS)
    platform = platform_behind(proxy, settings, database_url, cache_seconds=3600)  # the council is known already
    try:
        async with httpx.AsyncClient(base_url=platform.url, timeout=20) as client:
            before = await submit(client, council.slug, uuid.uuid4().hex)
            assert before.status_code == 201, before.text
            tracking = f"/api/v1/transactions/{before.json()['reference']}?email="

            proxy.down()
            key = uuid.uuid4().hex
            assert_told_to_retry(await submit(client, council.slug, key))  # the submission lane
            assert_told_to_retry(await client.get(tracking, headers=host_for(council.slug)))  # any other route
            page = await client.get(tracking, headers={**host_for(council.slug), "Accept": "text/html"})
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "retry-after" in page.headers
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert "The database cannot be reached" in ready.json()["detail"]

            proxy.starting()  # PostgreSQL is back but still recovering
            assert_told_to_retry(await submit(client, council.slug, key))

            proxy.up()
            answers = [await submit(client, council.slug, key) for _ in range(6)]
            recorded = [answer for answer in answers if answer.status_code == 201]
            assert recorded, [answer.text for answer in answers]
            for answer in answers[: answers.index(recorded[0])]:
                assert_told_to_retry(answer)  # connections the outage broke, found and replaced
            assert {answer.json()["reference"] for answer in recorded} == {recorded[0].json()["reference"]}
            assert (await client.get("/readyz")).status_code == 200
    finally:
        platform.stop()


async def test_a_council_that_cannot_be_looked_up_during_an_outage_is_a_503_not_a_plain_text_500(
    proxy: DatabaseProxy, settings: Settings, database_url: str, make_council: CouncilFactory
) -> None:
    council = await make_council()
    platform = platform_behind(proxy, settings, database_url, cache_seconds=0)  # every request looks it up
    try:
        async with httpx.AsyncClient(base_url=platform.url, timeout=20) as client:
            assert (await client.get("/api/v1/council", headers={"X-Tenant": council.slug})).status_code == 200
            proxy.down()
            answer = await client.get("/api/v1/council", headers={"X-Tenant": council.slug})
            assert_told_to_retry(answer)
            page = await client.get("/", headers={**host_for(council.slug), "Accept": "text/html"})
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "retry-after" in page.headers
    finally:
        platform.stop()
