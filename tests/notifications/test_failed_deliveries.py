"""A council system that is down gets its events once it is back; one that refuses them for good shows
up as a failed delivery, with why, for the council's administrators and the operators, who can retry it."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.services import PlatformServices
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization, bearer, cookie_header, sign_in_in_browser, staff_token
from tests.notifications.receiver import EventReceiver
from tests.notifications.test_outbox_delivery import STREETLIGHTS, eventually, submit
from tests.support import host_for

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(
    http: httpx.AsyncClient, council: CouncilWithOrganization, receiver: EventReceiver, job_worker: PlatformServices
) -> None:
    slug = await council(modules=STREETLIGHTS)
    receiver.status = 503
    reference = await submit(http, slug)

    await eventually(lambda: receiver.refused >= 3)  # tried again and again, each wait longer
    assert receiver.of(reference) == []
    receiver.status = 204
    await eventually(lambda: len(receiver.of(reference)) == 1, seconds=20)
    assert receiver.of(reference)[0]["kind"] == "request.submitted"


async def test_an_event_refused_for_good_is_shown_with_why_and_can_be_retried(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    receiver: EventReceiver,
    job_worker: PlatformServices,
) -> None:
    slug = await council(modules=STREETLIGHTS)
    receiver.status = 410
    reference = await submit(http, slug)
    admin_email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
    token = await staff_token(dev_identity, admin_email, slug, role=Role.COUNCIL_ADMIN)

    async def failed() -> list[dict[str, object]]:
        answer = await http.get("/api/v1/staff/failed-deliveries", headers=bearer(token, slug))
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    await eventually(lambda: receiver.refused == 1)
    for _ in range(100):
        if await failed():
            break
        await asyncio.sleep(0.05)
    [dead] = await failed()
    assert dead["state"] == "dead" and dead["reference"] == reference and dead["attempts"] == 1
    assert "gone" in str(dead["last_error"])
    assert dead["event"] == f"evt_{slug}_{dead['event_id']}"

    # The operators see it too, among every council's.
    key = await make_key(database, "full", name="deliveries operator")
    operator = {"Authorization": f"Bearer {key}"}
    summary = (await http.get("/admin/v1/failed-deliveries", headers=operator)).json()
    assert {"council": slug, "retrying": 0, "dead": 1} in summary["items"]
    listed = (await http.get(f"/admin/v1/councils/{slug}/failed-deliveries", headers=operator)).json()
    assert [item["reference"] for item in listed["items"]] == [reference]

    # The council's administrator retries it from the staff page once the receiver takes it.
    cookies = await sign_in_in_browser(http, slug, admin_email)
    page = await http.get("/staff/deliveries", headers={**host_for(slug), **cookie_header(cookies)})
    assert page.status_code == 200, page.text
    assert reference in page.text and "Given up" in page.text and "gone" in page.text
    csrf = CSRF_INPUT.search(page.text)
    assert csrf is not None
    receiver.status = 204
    retried = await http.post(
        "/staff/deliveries/retry",
        data={"event": str(dead["event_id"]), "subscriber": str(dead["subscriber"]), "csrf_token": csrf[1]},
        headers={**host_for(slug), **cookie_header(cookies)},
    )
    assert retried.status_code == 303, retried.text
    await eventually(lambda: len(receiver.of(reference)) == 1)
    assert receiver.of(reference)[0]["id"] == dead["event"]
    for _ in range(100):
        if not await failed():
            break
        await asyncio.sleep(0.05)
    assert await failed() == []
    again = await http.post(
        f"/api/v1/staff/failed-deliveries/{dead['event_id']}/{dead['subscriber']}/retry", headers=bearer(token, slug)
    )
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"


async def test_officers_and_other_councils_admins_cannot_see_a_councils_failed_deliveries(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug, other = await council(modules=STREETLIGHTS), await council(modules=STREETLIGHTS)
    officer = await staff_token(dev_identity, f"officer-{uuid.uuid4().hex[:6]}@example.org", slug)
    other_admin = await staff_token(
        dev_identity, f"admin-{uuid.uuid4().hex[:6]}@example.org", other, role=Role.COUNCIL_ADMIN
    )
    assert (await http.get("/api/v1/staff/failed-deliveries", headers=bearer(officer, slug))).status_code == 403
    assert (await http.get("/api/v1/staff/failed-deliveries", headers=bearer(other_admin, slug))).status_code == 403
    retry = await http.post("/api/v1/staff/failed-deliveries/1/test-receiver/retry", headers=bearer(other_admin, slug))
    assert retry.status_code == 403
    page_officer = f"officer-page-{uuid.uuid4().hex[:6]}@example.org"
    await staff_token(dev_identity, page_officer, slug)
    cookies = await sign_in_in_browser(http, slug, page_officer)
    page = await http.get("/staff/deliveries", headers={**host_for(slug), **cookie_header(cookies)})
    assert page.status_code == 403
    assert "Only administrators" in page.text
