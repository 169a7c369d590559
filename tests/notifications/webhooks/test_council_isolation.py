"""A council's endpoints, secrets and delivery log are its administrators' alone."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.webhooks.secrets import SecretBox, SecretUnreadable
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from civicshare.notifications.webhooks.tables import webhook_endpoints
from civicshare.settings import Settings
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.support import host_for, tenant_context_for

from .conftest import admin_of
from .receiver import Receiver
from .test_delivery import log_of, register, status_changed


async def test_another_councils_admin_can_never_see_change_or_redeliver_a_councils_endpoints(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    ours, theirs = await council(), await council()
    admin = await admin_of(dev_identity, ours)
    endpoint = await register(http, admin, receiver.url, description="Our CRM")
    event = status_changed(ours)
    await subscriber.handle(event)
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"

    intruder_token = await staff_token(dev_identity, f"admin@{theirs}.gov.uk", theirs, role=Role.COUNCIL_ADMIN)
    on_their_council = bearer(intruder_token, theirs)
    on_our_council = {"Authorization": f"Bearer {intruder_token}", **host_for(ours)}
    assert (await http.get("/api/v1/webhooks/endpoints", headers=on_their_council)).json() == []
    attempts = [
        ("GET", base, None),
        ("PATCH", base, {"url": "http://127.0.0.1:9/stolen"}),
        ("POST", base + "/rotate-secret", None),
        ("POST", base + "/disable", {"reason": "mine now"}),
        ("POST", base + "/enable", None),
        ("GET", base + "/attempts", None),
        ("POST", base + f"/deliveries/{event.stable_id}/redeliver", None),
        ("DELETE", base, None),
    ]
    for method, path, body in attempts:
        there = await http.request(method, path, json=body, headers=on_their_council)
        assert there.status_code == 404, (method, path, there.text)
        here = await http.request(method, path, json=body, headers=on_our_council)
        assert here.status_code == 403, (method, path, here.text)
        assert "Our CRM" not in there.text + here.text

    # Our council's staff who are not administrators are refused too; anonymous callers must sign in.
    officer = bearer(await staff_token(dev_identity, f"officer@{ours}.gov.uk", ours), ours)
    assert (await http.get("/api/v1/webhooks/endpoints", headers=officer)).status_code == 403
    assert (await http.get("/api/v1/webhooks/endpoints", headers=host_for(ours))).status_code == 401

    unchanged = (await http.get(base, headers=admin)).json()
    assert unchanged["url"] == receiver.url and unchanged["enabled"] is True
    assert len(receiver.arrivals) == 1
    assert len(await log_of(http, admin, endpoint["id"])) == 1
    for nonsense in ("abc", "99999999999999999999999", "-1"):
        assert (await http.get(f"/api/v1/webhooks/endpoints/{nonsense}", headers=admin)).status_code == 404


async def test_the_secret_is_shown_once_and_a_rotated_secret_replaces_it(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    first = str(endpoint["secret"])
    listed = await http.get("/api/v1/webhooks/endpoints", headers=admin)
    read = await http.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=admin)
    for answer in (listed, read):
        assert "secret" not in answer.text and first not in answer.text

    rotated = await http.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    second = rotated.json()["secret"]
    assert second.startswith("whsec_") and second != first
    assert second not in (await http.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=admin)).text

    await subscriber.handle(status_changed(slug))
    [arrival] = receiver.arrivals
    Webhook(second).verify(arrival.body, arrival.headers)
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(first).verify(arrival.body, arrival.headers)


async def test_an_admin_disables_and_removes_an_endpoint(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    assert (await http.post(base + "/disable", json={"reason": ""}, headers=admin)).status_code == 400
    disabled = await http.post(base + "/disable", json={"reason": "CRM upgrade this weekend"}, headers=admin)
    assert disabled.json()["enabled"] is False and disabled.json()["disabled_reason"] == "CRM upgrade this weekend"
    await subscriber.handle(status_changed(slug))
    assert receiver.arrivals == []
    assert (await http.delete(base, headers=admin)).status_code == 204
    assert (await http.get(base, headers=admin)).status_code == 404
    assert (await http.get("/api/v1/webhooks/endpoints", headers=admin)).json() == []


async def test_the_secret_is_kept_sealed_so_the_database_alone_cannot_sign(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    secret = str(endpoint["secret"])
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        stored = await connection.scalar(
            select(webhook_endpoints.c.secret_sealed).where(webhook_endpoints.c.id == endpoint["id"])
        )
    assert stored and secret not in stored and secret.removeprefix("whsec_") not in stored
    assert SecretBox(settings.secret_key.get_secret_value()).open(stored, int(str(endpoint["id"]))) == secret
    with pytest.raises(SecretUnreadable):
        SecretBox("another platform's secret key, forty characters").open(stored, int(str(endpoint["id"])))
    with pytest.raises(SecretUnreadable):
        SecretBox(settings.secret_key.get_secret_value()).open(stored, int(str(endpoint["id"])) + 1)
