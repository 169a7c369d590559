"""When the identity provider cannot be reached: anonymous services keep working, signed-in ones
answer 503 with a clear message, and nothing already accepted is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.keycloak_server import free_port
from civicshare.identity.provider import build_identity
from civicshare.settings import IdentityProvider, Settings
from civicshare.tenancy.lifecycle import announce_council_changes
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, host_for, record_transaction, tenant_context_for


@pytest.fixture(scope="module")
def dead_keycloak_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "identity_provider": IdentityProvider.KEYCLOAK,
            "keycloak_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        }
    )


@pytest.fixture(scope="module")
def served_without_keycloak(
    dead_keycloak_settings: Settings, database: Database, database_url: str
) -> Iterator[ServedPlatform]:
    platform = ServedPlatform(dead_keycloak_settings, database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
async def client(served_without_keycloak: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served_without_keycloak.url, timeout=30) as client:
        yield client


async def test_anonymous_services_keep_working_and_signed_in_ones_answer_503(
    client: httpx.AsyncClient, make_council: CouncilFactory, database: Database, dev_identity: DevIdentity
) -> None:
    council = await make_council()
    reference = await record_transaction(database, council.slug, "anon@example.org")

    tracked = await client.get(
        f"/api/v1/transactions/{reference}", params={"email": "anon@example.org"}, headers=host_for(council.slug)
    )
    assert tracked.status_code == 200
    assert tracked.json()["reference"] == reference

    token = dev_identity.issue_token("rosa.resident@example.org")  # any JWT: its keys cannot be fetched
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", **host_for(council.slug)})
    assert me.status_code == 503
    assert me.json()["type"] == "urn:civicshare:problem:identity-unavailable"
    assert "nothing you have already sent is lost" in me.json()["detail"]
    assert me.headers["retry-after"] == "30"

    sign_in = await client.get("/auth/sign-in", headers=host_for(council.slug))
    assert sign_in.status_code == 503
    assert (await client.get("/api/v1/me", headers=host_for(council.slug))).status_code == 401


async def test_onboarding_keeps_the_council_when_the_organization_cannot_be_made(
    dead_keycloak_settings: Settings, make_council: CouncilFactory, database: Database, client: httpx.AsyncClient
) -> None:
    council = await make_council()
    identity = build_identity(dead_keycloak_settings)
    tenant = await tenant_context_for(database, council.slug)
    failures = await announce_council_changes([identity.lifecycle_hook(dead_keycloak_settings)], [tenant])
    assert [(f.council, f.hook) for f in failures] == [(council.slug, "identity")]
    assert "cannot be reached" in failures[0].reason
    # The council itself is whole and serves its residents; `civicshare tenants sync` retries the rest.
    answer = await client.get("/api/v1/council", headers=host_for(council.slug))
    assert answer.status_code == 200


async def test_a_resident_signing_in_while_keycloak_is_down_gets_the_councils_own_page(
    client: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    council = await make_council(name="Borough of Patience")
    browser = {**host_for(council.slug), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    home = await client.get("/", headers=browser)
    assert home.status_code == 200 and 'href="/auth/sign-in?next=%2F"' in home.text
    signing_in = await client.get("/auth/sign-in", params={"next": "/"}, headers=browser)
    assert signing_in.status_code == 503
    assert signing_in.headers["content-type"].startswith("text/html")
    assert "Borough of Patience" in signing_in.text and "Signing in is not available at the moment" in signing_in.text
