"""A council administrator manages webhooks on the back-office pages, with plain forms (no JavaScript)."""

from __future__ import annotations

import re
from html import unescape

import httpx
from standardwebhooks import Webhook

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, officer_of, text_of
from tests.support import host_for

from .receiver import Receiver
from .test_delivery import status_changed


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def test_an_administrator_registers_an_endpoint_sees_its_secret_once_and_resends_from_the_log(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug, other = await council(), await council()
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }

    listing = await http.get("/staff/webhooks", headers=admin)
    assert listing.status_code == 200 and "No endpoints are registered" in listing.text
    assert 'href="/staff/webhooks"' in listing.text, "administrators find Webhooks in the staff menu"
    form = await http.get("/staff/webhooks/new", headers=admin)
    refused = await http.post(
        "/staff/webhooks/new",
        data={"url": "", "description": "CRM", "csrf_token": token_of(form)},
        headers=admin,
    )
    assert refused.status_code == 400 and "Enter the address events are sent to" in refused.text

    created = await http.post(
        "/staff/webhooks/new",
        data={
            "url": receiver.url,
            "description": "Our CRM",
            "events": ["request.status_changed", "request.submitted"],
            "csrf_token": token_of(form),
        },
        headers=admin,
    )
    assert created.status_code == 200, created.text
    secret_match = re.search(r'id="signing-secret">(whsec_[^<]+)<', created.text)
    assert secret_match is not None
    secret = unescape(secret_match[1])
    endpoint_link = re.search(r'href="/staff/webhooks/(\d+)"', created.text)
    assert endpoint_link is not None
    page_path = f"/staff/webhooks/{endpoint_link[1]}"

    await subscriber.handle(status_changed(slug))
    [arrival] = receiver.arrivals
    Webhook(secret).verify(arrival.body, arrival.headers)

    page = await http.get(page_path, headers=admin)
    assert page.status_code == 200
    assert secret not in page.text and secret not in (await http.get("/staff/webhooks", headers=admin)).text
    shown = text_of(page.text)
    assert "Delivered" in shown and "HTTP 200" in shown and "A request's status changes" in shown
    event_id = arrival.headers["webhook-id"]
    resent = await http.post(
        page_path + "/redeliver", data={"event_id": event_id, "csrf_token": token_of(page)}, headers=admin
    )
    assert resent.status_code == 303 and resent.headers["location"].endswith("done=sent")
    assert [a.headers["webhook-id"] for a in receiver.arrivals] == [event_id, event_id]
    assert "sent again by hand" in (await http.get(page_path, headers=admin)).text

    no_reason = await http.post(
        page_path + "/disable", data={"reason": "", "csrf_token": token_of(page)}, headers=admin
    )
    assert no_reason.status_code == 400 and "Enter why the endpoint is disabled" in no_reason.text
    disabled = await http.post(
        page_path + "/disable", data={"reason": "CRM down for upgrade", "csrf_token": token_of(page)}, headers=admin
    )
    assert disabled.status_code == 303
    assert "CRM down for upgrade" in (await http.get(page_path, headers=admin)).text

    rotated = await http.post(page_path + "/rotate", data={"csrf_token": token_of(page)}, headers=admin)
    assert rotated.status_code == 200 and "the old secret no longer works" in rotated.text

    # Officers who are not administrators, and another council's administrators, get nowhere
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    assert (await http.get("/staff/webhooks", headers=officer)).status_code == 403
    assert (await http.get(page_path, headers=officer)).status_code == 403
    theirs = {
        **host_for(other),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, other, Role.COUNCIL_ADMIN)),
    }
    assert "Our CRM" not in (await http.get("/staff/webhooks", headers=theirs)).text
    assert (await http.get(page_path, headers=theirs)).status_code == 404
    their_page = await http.get("/staff/webhooks", headers=theirs)
    assert (
        await http.post(page_path + "/remove", data={"csrf_token": token_of(their_page)}, headers=theirs)
    ).status_code == 404

    removed = await http.post(page_path + "/remove", data={"csrf_token": token_of(page)}, headers=admin)
    assert removed.status_code == 303
    assert "No endpoints are registered" in (await http.get("/staff/webhooks", headers=admin)).text
    audit = text_of((await http.get("/staff/audit", headers=admin)).text)
    for done in (
        "Registered a webhook endpoint",
        "Sent a webhook event again",
        "Disabled a webhook endpoint",
        "Made a new webhook secret",
        "Removed a webhook endpoint",
    ):
        assert done in audit
    assert "whsec_" not in audit, "the secret never reaches the audit log"
