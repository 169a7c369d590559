"""Server-side request forgery: with production's rule on addresses, an endpoint may not point inside the
platform's network, neither when it is registered nor, should DNS change, when an event is sent."""

from __future__ import annotations

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.webhooks.config import target_policy
from civicshare.notifications.webhooks.deliveries import DisablingRule
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.notifications.webhooks.subscriber import DeliveriesFailed, WebhookSubscriber
from civicshare.notifications.webhooks.targets import TargetRefused
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory
from tests.auth.conftest import CouncilWithOrganization

from .conftest import QUICK, admin_of
from .receiver import Receiver
from .test_delivery import log_of, register, status_changed

REFUSED = [
    ("http://127.0.0.1:8000/hooks", "127.0.0.1 is a loopback address"),
    ("http://10.1.2.3/hooks", "10.1.2.3 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[::1]:8000/hooks", "::1 is a loopback address"),
    ("http://localhost:8000/hooks", "localhost resolves to"),
    ("http://0.0.0.0/hooks", "0.0.0.0 is an unspecified address"),
    ("http://[::ffff:192.168.1.1]/hooks", "192.168.1.1 is a private address"),
]


@pytest.mark.parametrize(("url", "said"), REFUSED)
async def test_an_endpoint_inside_the_platforms_network_is_refused_with_a_clear_422(
    strict_http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, url: str, said: str
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    answer = await strict_http.post("/api/v1/webhooks/endpoints", json={"url": url}, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    [error] = answer.json()["errors"]
    assert error["field"] == "url"
    assert said in error["message"] and "public internet addresses" in error["message"]
    listed = await strict_http.get("/api/v1/webhooks/endpoints", headers=admin)
    assert listed.json() == []


async def test_an_endpoint_cannot_be_moved_inside_the_network_either(
    strict_http: httpx.AsyncClient, http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, "http://127.0.0.1:9/hooks")  # development allows loopback
    moved = await strict_http.patch(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}", json={"url": "http://169.254.169.254/"}, headers=admin
    )
    assert moved.status_code == 422 and "link-local" in moved.text
    unparseable = await strict_http.patch(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}", json={"url": "http://[nonsense"}, headers=admin
    )
    assert unparseable.status_code == 422 and "not a valid URL" in unparseable.text


@pytest.mark.parametrize(
    ("host", "said"),
    [("localhost", "refused: localhost resolves to"), ("127.0.0.1", "refused: 127.0.0.1 is a loopback address")],
)
async def test_an_address_refused_on_delivery_is_never_connected_to(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    settings: Settings,
    database: Database,
    host: str,
    said: str,
) -> None:
    """Registered while allowed (as if DNS pointed elsewhere then, or the rules were looser); refused when
    the event is sent, whether the URL names the host or writes its address."""
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url.replace("127.0.0.1", host))
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    sender = WebhookSender.for_settings(strict, database.engine, timeouts=QUICK, rule=DisablingRule())
    try:
        subscriber = WebhookSubscriber(sender, TenantDirectory(database.engine, max_age_seconds=0))
        with pytest.raises(DeliveriesFailed):
            await subscriber.handle(status_changed(slug))
    finally:
        await sender.aclose()
    assert receiver.arrivals == []
    [attempt] = await log_of(http, admin, endpoint["id"])
    assert str(attempt["error"]).startswith(said)


def production_settings() -> Settings:
    return Settings(
        mode="production",
        secret_key="a-private-secret-key-of-forty-characters!",
        identity_provider="keycloak",
        keycloak_url="https://sso.example.gov.uk",
        keycloak_provisioner_secret="provisioner",
        database_url="postgresql+asyncpg://civicshare@db.example.gov.uk/civicshare",
    )


async def test_production_sends_only_https_to_public_addresses_and_development_allows_loopback(
    settings: Settings,
) -> None:
    production = target_policy(production_settings())
    with pytest.raises(TargetRefused, match="must start https://"):
        await production.check("http://93.184.215.14/hooks")
    with pytest.raises(TargetRefused, match="loopback"):
        await production.check("https://127.0.0.1/hooks")
    assert await production.check("https://93.184.215.14/hooks")  # a public address literal: no DNS needed
    development = target_policy(settings)
    assert await development.check("http://127.0.0.1:9/hooks")
