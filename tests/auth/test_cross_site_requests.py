"""A page on another site cannot act with a signed-in person's cookie: a state-changing request the
session cookie signs in must prove it came from the council's own pages (its exact origin, or the
page's CSRF token), and a JSON API reads a body only when its content type says JSON.

The attack: a page on evil.example (or on another council's host, which is the same *site* as every
council on the base domain, so SameSite=Lax cookies go along) posts `text/plain` to the council's API
in the staff member's browser, which adds the cookie."""

from __future__ import annotations

import json
import re
import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.support import host_for

from .conftest import CouncilWithOrganization, bearer, cookie_header, sign_in_in_browser, staff_token
from .test_staff_work_queue import HIGHWAYS, POTHOLE, report_pothole

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def cross_site(slug: str, cookies: dict[str, str], origin: str = "http://evil.example") -> dict[str, str]:
    """What a browser sends when a form on `origin` posts text/plain to the council."""
    return {
        **host_for(slug),
        **cookie_header(cookies),
        "Origin": origin,
        "Sec-Fetch-Site": "cross-site",
        "Content-Type": "text/plain",
    }


def assert_refused_as_cross_site(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("cross-site-request")


async def staff_signed_in(http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str) -> dict[str, str]:
    email = f"kim-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, email, Role.COUNCIL_STAFF)
    return await sign_in_in_browser(http, slug, email)


async def status_of(http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str, reference: str) -> str:
    auditor = await staff_token(dev_identity, f"audit-{uuid.uuid4().hex[:6]}@example.org", slug)
    seen = await http.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(auditor, slug))
    return str(seen.json()["request"]["status"])


async def test_another_site_cannot_close_a_request_with_a_staff_members_cookie(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    reference = await report_pothole(http, slug)
    cookies = await staff_signed_in(http, dev_identity, slug)
    path = f"/api/v1/staff/transactions/{reference}/status"
    closing = json.dumps({"status": "rejected", "reason": "Closed by a page on another site"})

    for origin in ("http://evil.example", f"http://{neighbour}.localhost", "null"):
        answer = await http.post(path, content=closing, headers=cross_site(slug, cookies, origin))
        assert_refused_as_cross_site(answer)
    # Without any Origin the browser's Sec-Fetch-Site still tells, and with neither there is no proof
    no_origin = {**cross_site(slug, cookies), "Content-Type": "application/json"}
    del no_origin["Origin"]
    assert_refused_as_cross_site(await http.post(path, content=closing, headers=no_origin))
    del no_origin["Sec-Fetch-Site"]
    assert_refused_as_cross_site(await http.post(path, content=closing, headers=no_origin))
    assert await status_of(http, dev_identity, slug, reference) == "submitted"

    # From the council's own pages: the exact origin, or the page's CSRF token, is proof enough
    own_origin = {**host_for(slug), **cookie_header(cookies), "Origin": f"http://{slug}.localhost"}
    moved = await http.post(path, json={"status": "in_progress"}, headers=own_origin)
    assert moved.status_code == 200, moved.text
    page = await http.get("/staff", headers={**host_for(slug), **cookie_header(cookies)})
    token = CSRF_INPUT.search(page.text)
    assert token is not None, page.text
    with_token = {**host_for(slug), **cookie_header(cookies), "X-CSRF-Token": token[1]}
    rejected = await http.post(path, json={"status": "rejected", "reason": "Not ours"}, headers=with_token)
    assert rejected.status_code == 200, rejected.text
    # ... but a token from the page does not excuse a request another site's page sent
    forged = {**with_token, "Origin": "http://evil.example"}
    assert_refused_as_cross_site(await http.post(path, json={"status": "in_progress"}, headers=forged))


async def test_another_site_cannot_import_offline_counts_with_a_staff_members_cookie(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    cookies = await staff_signed_in(http, dev_identity, slug)
    counts = "date,service,channel,count\n2024-03-15,report-pothole,phone,100000\n"

    answer = await http.post("/api/v1/savings/offline-contacts", content=counts, headers=cross_site(slug, cookies))
    assert_refused_as_cross_site(answer)

    # The same file from the council's own pages is the first import of it: nothing was stored before
    own = {**host_for(slug), **cookie_header(cookies), "Origin": f"http://{slug}.localhost", "Content-Type": "text/csv"}
    imported = await http.post("/api/v1/savings/offline-contacts", content=counts, headers=own)
    assert imported.status_code == 200, imported.text
    assert (imported.json()["changed"], imported.json()["already_imported"]) == (1, False)


async def test_another_site_cannot_make_a_submission_in_a_residents_name(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    cookies = await sign_in_in_browser(http, slug, "rosa.resident@example.org")
    submission = json.dumps({"answers": POTHOLE, "channel": "web", "contact_email": "rosa@example.org"})

    answer = await http.post(
        "/api/v1/services/report-pothole/transactions", content=submission, headers=cross_site(slug, cookies)
    )
    assert_refused_as_cross_site(answer)
    mine = await http.get("/api/v1/me/transactions", headers={**host_for(slug), **cookie_header(cookies)})
    assert mine.status_code == 200, mine.text
    assert mine.json() == []


async def test_json_apis_read_a_body_only_when_its_content_type_says_json(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug)
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    path = f"/api/v1/staff/transactions/{reference}/status"
    body = json.dumps({"status": "in_progress"})

    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = bearer(sam, slug) | ({"Content-Type": content_type} if content_type else {})
        answer = await http.post(path, content=body, headers=headers)
        assert answer.status_code == 415, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    submitted = await http.post(
        "/api/v1/services/report-pothole/transactions",
        content=json.dumps({"answers": POTHOLE, "channel": "web"}),
        headers={**host_for(slug), "Content-Type": "text/plain"},
    )
    assert submitted.status_code == 415, submitted.text
    assert await status_of(http, dev_identity, slug, reference) == "submitted"

    # A bearer token is never sent by a browser on its own: another site's Origin does not matter
    moved = await http.post(
        path, json={"status": "in_progress"}, headers={**bearer(sam, slug), "Origin": "http://crm.example"}
    )
    assert moved.status_code == 200, moved.text
