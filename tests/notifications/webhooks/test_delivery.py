"""A council registers its system's endpoint and the system hears about the council's events, signed as
Standard Webhooks, once each, even when it was down for a while; a system that stays down is disabled and
the council's administrators are told."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook

from civicshare.casework.service import recent_actions
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.events import EventKind, EventSubscriber, GiveUp, OutboxEvent
from civicshare.notifications.webhooks.subscriber import DeliveriesFailed, WebhookSubscriber
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory
from tests.auth.conftest import CouncilWithOrganization
from tests.support import tenant_context_for

from .conftest import RecordedAlerts, admin_of
from .receiver import Receiver

_event_ids = itertools.count(int(time.time()))


def status_changed(slug: str, kind: EventKind = EventKind.STATUS_CHANGED) -> OutboxEvent:
    return OutboxEvent(
        id=next(_event_ids),
        council=slug,
        kind=kind,
        reference="TST-2026-000042",
        service="report-pothole",
        occurred_at=datetime(2026, 12, 4, 11, 50, tzinfo=UTC),
        data={
            "from_status": "received",
            "to_status": "resolved",
            "status_label": "Fixed",
            "reason": "We filled the pothole on Tuesday.",
            "internal_note": "Crew said the resident was rude",
        },
    )


async def register(http: httpx.AsyncClient, admin: dict[str, str], url: str, **fields: object) -> dict[str, object]:
    answer = await http.post("/api/v1/webhooks/endpoints", json={"url": url, **fields}, headers=admin)
    assert answer.status_code == 201, answer.text
    created: dict[str, object] = answer.json()
    return created


async def log_of(http: httpx.AsyncClient, admin: dict[str, str], endpoint_id: object) -> list[dict[str, object]]:
    answer = await http.get(f"/api/v1/webhooks/endpoints/{endpoint_id}/attempts", headers=admin)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_a_council_system_receives_a_signed_webhook_that_verifies(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
    database: Database,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url, description="Our CRM")
    secret = str(endpoint["secret"])
    assert secret.startswith("whsec_")

    event = status_changed(slug)
    await subscriber.handle(event)

    [arrival] = receiver.arrivals
    assert arrival.headers["webhook-id"] == event.stable_id == f"evt_{slug}_{event.id}"
    payload = Webhook(secret).verify(arrival.body, arrival.headers)
    assert payload["type"] == "request.status_changed"
    assert payload["timestamp"] == "2026-12-04T11:50:00+00:00"
    assert payload["data"]["reference"] == "TST-2026-000042"
    assert payload["data"]["service"] == "report-pothole"
    assert payload["data"]["status"] == "resolved"
    assert payload["data"]["changes"]["reason"] == "We filled the pothole on Tuesday."
    assert "rude" not in arrival.body.decode(), "internal notes never leave the platform"
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 32).verify(arrival.body, arrival.headers)

    [attempt] = await log_of(http, admin, endpoint["id"])
    assert attempt["delivered"] is True and attempt["status_code"] == 200
    assert attempt["event_id"] == event.stable_id
    assert "received" in str(attempt["response_excerpt"])

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        actions = [entry.action for entry in await recent_actions(connection)]
    assert "webhook.registered" in actions


async def test_deliveries_retry_while_the_receiver_is_down_and_arrive_once_it_is_back(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    receiver.stop()

    event = status_changed(slug)
    with pytest.raises(DeliveriesFailed):
        await subscriber.handle(event)
    [failed] = await log_of(http, admin, endpoint["id"])
    assert failed["delivered"] is False and failed["status_code"] is None
    assert failed["error"]

    receiver.start()
    await subscriber.handle(event)  # the queue's retry
    [arrival] = receiver.arrivals
    assert arrival.headers["webhook-id"] == event.stable_id
    Webhook(str(endpoint["secret"])).verify(arrival.body, arrival.headers)

    await subscriber.handle(event)  # at-least-once: a duplicate job run sends nothing more
    assert len(receiver.arrivals) == 1
    delivered, still_failed = await log_of(http, admin, endpoint["id"])
    assert delivered["delivered"] is True and still_failed["delivered"] is False


async def test_only_endpoints_still_owed_the_event_are_tried_again(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    working = await register(http, admin, receiver.url + "/working")
    refusing = Receiver()
    refusing.status = 503
    refusing.start()
    try:
        await register(http, admin, refusing.url)
        event = status_changed(slug)
        with pytest.raises(DeliveriesFailed):
            await subscriber.handle(event)
        with pytest.raises(DeliveriesFailed):
            await subscriber.handle(event)
        assert [a.path for a in receiver.arrivals] == ["/hooks/working"], "the working endpoint got it once"
        assert len(refusing.arrivals) == 2
        refusing.status = 204
        await subscriber.handle(event)
        assert len(refusing.arrivals) == 3 and len(receiver.arrivals) == 1
        assert {a.headers["webhook-id"] for a in refusing.arrivals} == {event.stable_id}
    finally:
        refusing.stop()
    assert len(await log_of(http, admin, working["id"])) == 1


async def test_an_endpoint_hears_only_the_kinds_of_event_it_asked_for(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    await register(http, admin, receiver.url + "/statuses", event_types=["request.status_changed"])
    await register(http, admin, receiver.url + "/payments", event_types=["payment.succeeded", "payment.failed"])
    await register(http, admin, receiver.url + "/everything")

    await subscriber.handle(status_changed(slug, EventKind.SUBMITTED))
    await subscriber.handle(status_changed(slug, EventKind.STATUS_CHANGED))
    await subscriber.handle(status_changed(slug, EventKind.PAYMENT_FAILED))

    heard = sorted((a.path, json.loads(a.body)["type"]) for a in receiver.arrivals)
    assert heard == [
        ("/hooks/everything", "payment.failed"),
        ("/hooks/everything", "request.status_changed"),
        ("/hooks/everything", "request.submitted"),
        ("/hooks/payments", "payment.failed"),
        ("/hooks/statuses", "request.status_changed"),
    ]
    refused = await http.post(
        "/api/v1/webhooks/endpoints", json={"url": receiver.url, "event_types": ["request.exploded"]}, headers=admin
    )
    assert refused.status_code == 400 and "event_types" in refused.text


async def test_a_slow_receiver_times_out_without_stalling_the_worker(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    receiver.delay = 5.0

    started = time.monotonic()
    handling = asyncio.create_task(subscriber.handle(status_changed(slug)))
    for _ in range(60):  # until the receiver has the request and sits on it
        if receiver.arrivals:
            break
        await asyncio.sleep(0.05)
    assert subscriber.sender.engine.pool.checkedout() == 0, "no database connection is held while the receiver thinks"  # type: ignore[attr-defined]
    with pytest.raises(DeliveriesFailed):
        await handling
    assert time.monotonic() - started < 3.5, "the attempt gives up after its timeouts (2 s in tests)"
    [attempt] = await log_of(http, admin, endpoint["id"])
    assert "timed out" in str(attempt["error"])
    assert int(str(attempt["duration_ms"])) < 3000


async def test_an_endpoint_that_keeps_failing_is_disabled_and_the_admins_are_told(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
    alerts: RecordedAlerts,
    database: Database,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoint = await register(http, admin, receiver.url)
    receiver.status = 500
    event = status_changed(slug)

    for _ in range(2):
        with pytest.raises(DeliveriesFailed):
            await subscriber.handle(event)
    assert alerts.sent == []
    await subscriber.handle(event)  # the third failure in a row disables it: nothing is owed any more

    read = (await http.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=admin)).json()
    assert read["enabled"] is False
    assert "3 deliveries in a row failed" in read["disabled_reason"]
    [(told, subject, body)] = alerts.sent
    assert told == slug and "disabled" in subject and receiver.url in body

    await subscriber.handle(status_changed(slug))
    assert len(receiver.arrivals) == 3, "a disabled endpoint is sent nothing"
    attempts = await log_of(http, admin, endpoint["id"])
    assert [a["status_code"] for a in attempts] == [500, 500, 500]
    assert "receiver says no" in str(attempts[0]["response_excerpt"])
    assert len(str(attempts[0]["response_excerpt"])) <= 500

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        [disabling] = [entry for entry in await recent_actions(connection) if entry.action == "webhook.disabled"]
    assert disabling.actor_name == "civicshare (automatic)"

    receiver.status = 200
    enabled = await http.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/enable", headers=admin)
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    resent = await http.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{event.stable_id}/redeliver", headers=admin
    )
    assert resent.status_code == 200 and resent.json()["delivered"] is True
    assert receiver.arrivals[-1].headers["webhook-id"] == event.stable_id
    assert receiver.arrivals[-1].body == receiver.arrivals[0].body, "the same event, byte for byte"
    assert (await log_of(http, admin, endpoint["id"]))[0]["manual"] is True


async def test_the_worker_builds_the_subscriber_from_the_platforms_settings(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    settings: Settings,
    database: Database,
) -> None:
    slug = await council()
    endpoint = await register(http, await admin_of(dev_identity, slug), receiver.url)
    built = WebhookSubscriber.for_platform(
        settings, database.engine, TenantDirectory(database.engine, max_age_seconds=0)
    )
    subscriber: EventSubscriber = built  # the queue's contract, checked by mypy
    assert subscriber.name == "webhooks"
    try:
        await subscriber.handle(status_changed(slug))
    finally:
        await built.aclose()
    [arrival] = receiver.arrivals
    Webhook(str(endpoint["secret"])).verify(arrival.body, arrival.headers)
    with pytest.raises(GiveUp):
        await built.handle(status_changed("no-such-council"))
