"""A resident about to report a pothole sees the open potholes already reported near their pin (and only
those: same service, same council, still open, close by), and can follow one instead of sending the same
report: no request is made, they are emailed its next update, and the link in that email stops them."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, bearer, staff_token
from tests.notifications.email.conftest import (
    Inbox,
    event_for,
    inbox,
    live_council,
    mail_settings,
    resident_emails,
    smtp_server,
    text_of,
    worker_services,
)
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS
from tests.support import ServedPlatform, host_for, tenant_context_for

__all__ = ["inbox", "live_council", "mail_settings", "resident_emails", "smtp_server", "worker_services"]

SERVICE = "/services/report-pothole"
HERE = (52.400000, -1.500000)
METRE_NORTH = 1 / 111_320
METRE_EAST = 1 / (111_320 * 0.6101)  # at latitude 52.4
PRIVATE_DETAILS = "Jane Doe of 12 Acacia Avenue saw it"


@pytest.fixture
async def browser_like(served: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookies, as one resident's browser."""
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        yield client


async def report(
    http: httpx.AsyncClient,
    slug: str,
    north: float = 0,
    east: float = 0,
    service: str = "report-pothole",
    email: str = "reporter@example.org",
) -> str:
    place = {"latitude": round(HERE[0] + north * METRE_NORTH, 6), "longitude": round(HERE[1] + east * METRE_EAST, 6)}
    answers = {"size": "large", "on": "road", "details": PRIVATE_DETAILS} if service == "report-pothole" else {}
    if service == "report-streetlight":
        answers = {"fault": "out"}
    answer = await http.post(
        f"/api/v1/services/{service}/transactions",
        json={"answers": place | answers, "channel": "web", "contact_email": email},
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def close(http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str, reference: str, reason: str) -> None:
    officer = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "resolved", "reason": reason, "reason_public": True},
        headers=bearer(officer, slug),
    )
    assert moved.status_code == 200, moved.text


async def check_page_with_pin(client: httpx.AsyncClient, slug: str, north: float, email: str) -> httpx.Response:
    """A resident pins a pothole `north` metres from HERE, answers the form and opens check your answers."""
    headers = {**host_for(slug), **BROWSER}
    token = CSRF_INPUT.search((await client.get(f"{SERVICE}/location", headers=headers)).text)
    assert token is not None
    pin = {"latitude": str(round(HERE[0] + north * METRE_NORTH, 6)), "longitude": str(HERE[1])}
    for step, fields in (
        ("location", pin),
        ("details", {"size": "small", "on": "road"}),
        ("contact", {"email": email}),
    ):
        answered = await client.post(f"{SERVICE}/{step}", data={**fields, "csrf_token": token[1]}, headers=headers)
        assert answered.status_code == 303, answered.text
    return await client.get(f"{SERVICE}/check", headers=headers)


def follow_buttons(page: str) -> list[str]:
    return re.findall(r'name="report" value="([0-9a-f]+)"', page)


async def pothole_count(database: Database, slug: str) -> int:
    async with tenant_connection(database.engine, await tenant_context_for(database, slug)) as connection:
        return int((await connection.execute(select(func.count()).select_from(transactions))).scalar_one())


async def test_only_open_reports_of_the_same_service_at_this_council_within_the_radius_are_shown(
    http: httpx.AsyncClient,
    browser_like: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
) -> None:
    here, elsewhere = await council(**HIGHWAYS), await council(**HIGHWAYS)
    older = await report(http, here)
    newer = await report(http, here, north=30)
    far = await report(http, here, east=200)
    lamp = await report(http, here, service="report-streetlight")
    fixed = await report(http, here, north=5)
    await close(http, dev_identity, here, fixed, "Filled this morning.")
    other_council = await report(http, elsewhere)

    listed = await http.get(
        "/api/v1/services/report-pothole/nearby",
        params={"latitude": HERE[0], "longitude": HERE[1]},
        headers=host_for(here),
    )
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["within_metres"] == 50
    assert [(r["metres"], r["direction"], r["status_label"]) for r in body["reports"]] == [
        (30, "north", "Received"),
        (0, "", "Received"),
    ]  # most recent first
    for hidden in (older, newer, far, lamp, fixed, other_council, "reporter@example.org", "Jane"):
        assert hidden not in listed.text  # never a reference, the reporter or what they typed

    page = await check_page_with_pin(browser_like, here, north=10, email="neighbour@example.org")
    assert page.status_code == 200
    assert "Reports near this place" in page.text
    assert "About 20 metres north of your pin" in page.text and "About 10 metres south of your pin" in page.text
    assert len(follow_buttons(page.text)) == 2
    for hidden in (older, newer, far, fixed, "reporter@example.org", "Jane"):
        assert hidden not in page.text

    lonely = await check_page_with_pin(browser_like, elsewhere, north=2000, email="neighbour@example.org")
    assert lonely.status_code == 200 and "Reports near this place" not in lonely.text


async def test_following_a_nearby_report_sends_nothing_new_and_emails_its_next_update_until_unfollowed(
    http: httpx.AsyncClient,
    browser_like: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    database: Database,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(**HIGHWAYS)
    reference = await report(http, slug, email="first@example.org")
    follower = f"second-{uuid.uuid4().hex[:6]}@example.org"
    headers = {**host_for(slug), **BROWSER}

    page = await check_page_with_pin(browser_like, slug, north=15, email=follower)
    [key] = follow_buttons(page.text)
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    gone = await browser_like.post(
        f"{SERVICE}/follow", data={"report": "0" * 20, "csrf_token": token[1]}, headers=headers
    )
    assert gone.status_code == 409 and "This report has been closed or is no longer near your pin" in gone.text
    assert 'href="#nearby"' in gone.text  # the error summary leads to the section

    followed = await browser_like.post(
        f"{SERVICE}/follow", data={"report": key, "csrf_token": token[1]}, headers=headers
    )
    assert followed.status_code == 303 and followed.headers["location"] == f"{SERVICE}/following"
    confirmation = await browser_like.get(f"{SERVICE}/following", headers=headers)
    assert "You are following this report" in confirmation.text and follower in confirmation.text
    assert reference not in confirmation.text
    assert await pothole_count(database, slug) == 1  # no second report
    draft_gone = await browser_like.get(f"{SERVICE}/check", headers=headers)
    assert draft_gone.status_code == 303 and draft_gone.headers["location"].endswith(f"{SERVICE}/location")

    words = "Our crew will fill the pothole on Tuesday."
    await resident_emails.handle(event_for(slug, EventKind.PUBLIC_UPDATE, reference, "report-pothole", text=words))
    [update] = inbox.to(follower)
    assert update["Subject"] == "An update on a report you follow: Report a pothole"
    text = text_of(update)
    assert words in text and reference not in text
    assert len(inbox.to("first@example.org")) == 1  # the reporter is told as before

    stop = text.split("Stop getting these emails")[1].split()[0]
    path = stop.replace(f"http://{slug}.localhost:8000", "")
    asked = await browser_like.get(path, headers=headers)
    assert asked.status_code == 200 and "Stop getting updates about this report" in asked.text
    form_token = CSRF_INPUT.search(asked.text)
    link_token = re.search(r'name="token" value="([^"]+)"', asked.text)
    assert form_token is not None and link_token is not None
    altered = await browser_like.post(
        "/unfollow", data={"token": link_token[1] + "x", "csrf_token": form_token[1]}, headers=headers
    )
    assert altered.status_code == 400 and "This link does not work" in altered.text
    stopped = await browser_like.post(
        "/unfollow", data={"token": link_token[1], "csrf_token": form_token[1]}, headers=headers
    )
    assert stopped.status_code == 200 and "You will not get any more updates" in stopped.text

    await close(http, dev_identity, slug, reference, "Filled.")
    closing = event_for(
        slug, EventKind.STATUS_CHANGED, reference, "report-pothole",
        from_status="received", to_status="resolved", public_reason="Filled.",
    )  # fmt: skip
    await resident_emails.handle(closing)
    assert len(inbox.to(follower)) == 1  # unfollowed: nothing more
    assert len(inbox.to("first@example.org")) == 2


async def test_a_follower_hears_of_a_status_change_in_words_for_someone_who_did_not_make_the_report(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(**HIGHWAYS)
    reference = await report(http, slug)
    listed = await http.get(
        "/api/v1/services/report-pothole/nearby", params={"latitude": HERE[0], "longitude": HERE[1]},
        headers=host_for(slug),
    )  # fmt: skip
    [nearby] = listed.json()["reports"]
    follower = f"api-{uuid.uuid4().hex[:6]}@example.org"
    follow = {"report": nearby["report"], "latitude": HERE[0], "longitude": HERE[1], "email": follower}
    followed = await http.post("/api/v1/services/report-pothole/nearby/follow", json=follow, headers=host_for(slug))
    assert followed.status_code == 201, followed.text
    assert followed.json()["report"]["status_label"] == "Received"
    again = await http.post("/api/v1/services/report-pothole/nearby/follow", json=follow, headers=host_for(slug))
    assert again.status_code == 201  # following twice is following once

    await close(http, dev_identity, slug, reference, "Filled this morning.")
    closing = event_for(
        slug, EventKind.STATUS_CHANGED, reference, "report-pothole",
        from_status="received", to_status="resolved", status_label="Resolved", public_reason="Filled this morning.",
    )  # fmt: skip
    await resident_emails.handle(closing)
    await resident_emails.handle(closing)
    [told] = inbox.to(follower)
    assert told["Subject"] == "A report you follow is now: Resolved"
    assert "Filled this morning." in text_of(told) and reference not in text_of(told)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"latitude": "nan", "longitude": "-1.5"}, 422, "Latitude must be a number from -90 to 90"),
        ({"latitude": "52.4", "longitude": "200"}, 422, "Longitude must be a number from -180 to 180"),
        ({"latitude": "north", "longitude": "-1.5"}, 400, "latitude"),
        ({"longitude": "-1.5"}, 400, "latitude"),
    ],
    ids=["nan", "out-of-range", "not-a-number", "missing"],
)
async def test_a_point_that_is_not_a_place_gets_a_clear_problem(
    http: httpx.AsyncClient, council: CouncilWithOrganization, params: dict[str, str], status: int, words: str
) -> None:
    slug = await council(**HIGHWAYS)
    answer = await http.get("/api/v1/services/report-pothole/nearby", params=params, headers=host_for(slug))
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert words in answer.text


async def test_following_needs_an_email_a_located_service_and_a_report_near_that_point_at_this_council(
    http: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    here = await council(modules={"highways": {"enabled": True}, "waste": {"enabled": True}})
    elsewhere = await council(**HIGHWAYS)
    await report(http, here)
    listed = await http.get(
        "/api/v1/services/report-pothole/nearby", params={"latitude": HERE[0], "longitude": HERE[1]},
        headers=host_for(here),
    )  # fmt: skip
    [nearby] = listed.json()["reports"]
    base = {"report": nearby["report"], "latitude": HERE[0], "longitude": HERE[1]}
    url = "/api/v1/services/report-pothole/nearby/follow"

    no_email = await http.post(url, json=base, headers=host_for(here))
    assert no_email.status_code == 422 and "Enter your email address" in no_email.text
    bad_email = await http.post(url, json=base | {"email": "not an address"}, headers=host_for(here))
    assert bad_email.status_code == 422 and "correct format" in bad_email.text
    far_away = base | {"latitude": HERE[0] + 0.01, "email": "kim@example.org"}
    assert (await http.post(url, json=far_away, headers=host_for(here))).status_code == 404
    across = await http.post(url, json=base | {"email": "kim@example.org"}, headers=host_for(elsewhere))
    assert across.status_code == 404 and "no open report" in across.text  # another council's report: never
    waste = await http.get(
        "/api/v1/services/report-missed-bin/nearby", params={"latitude": HERE[0], "longitude": HERE[1]},
        headers=host_for(here),
    )  # fmt: skip
    assert (
        waste.status_code == 422
        and "not reported at a place" in waste.text
        and waste.headers["content-type"].startswith("application/problem+json")
    )
    assert await pothole_count(database, here) == 1 and await pothole_count(database, elsewhere) == 0
