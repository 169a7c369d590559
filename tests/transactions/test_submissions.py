"""Submitting is safe to retry, payments confirm paid services, staff decisions reach the resident."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from civicshare.app import discover_modules
from civicshare.db.engine import Database, tenant_connection
from civicshare.modules import DecisionIncomplete, TransitionNotAllowed
from civicshare.transactions.status import change_status
from civicshare.transactions.tables import transactions
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import host_for, photo_png, tenant_context_for

EMAIL = "grace@example.org"


async def post(
    http: httpx.AsyncClient, slug: str, service: str, answers: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = host_for(slug) | ({"Idempotency-Key": key} if key else {})
    return await http.post(
        f"/api/v1/services/{service}/transactions",
        json={"answers": answers, "channel": "web", "contact_email": EMAIL},
        headers=headers,
    )


async def count(database: Database, slug: str) -> int:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        return int(await connection.scalar(select(func.count()).select_from(transactions)) or 0)


async def track(http: httpx.AsyncClient, slug: str, reference: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/transactions/{reference}", params={"email": EMAIL}, headers=host_for(slug))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_retried_submission_returns_the_first_result_and_makes_nothing_new(
    http: httpx.AsyncClient, councils: Councils, database: Database
) -> None:
    slug, key = councils.member.slug, uuid.uuid4().hex
    answers = answers_for("report-pothole", councils.member)

    first = await post(http, slug, "report-pothole", answers, key)
    again = await post(http, slug, "report-pothole", answers, key)

    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(database, slug) == 1


async def test_the_same_key_with_a_different_request_is_refused(http: httpx.AsyncClient, councils: Councils) -> None:
    slug, key = councils.member.slug, uuid.uuid4().hex
    answers = answers_for("report-pothole", councils.member)

    await post(http, slug, "report-pothole", answers, key)
    different = await post(http, slug, "report-pothole", {**answers, "size": "small"}, key)

    assert different.status_code == 422
    assert different.json()["type"] == "urn:civicshare:problem:idempotency-key-reused"


async def test_concurrent_duplicates_make_one_transaction_and_leave_no_gap_in_references(
    http: httpx.AsyncClient, councils: Councils, database: Database
) -> None:
    slug, key = councils.member.slug, uuid.uuid4().hex
    answers = answers_for("report-streetlight", councils.member)

    responses = await asyncio.gather(*(post(http, slug, "report-streetlight", answers, key) for _ in range(8)))
    following = await post(http, slug, "report-streetlight", answers)

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["reference"] for response in responses}) == 1
    assert await count(database, slug) == 2
    assert following.json()["reference"].endswith("-000002"), "numbers given back by the losers are reused"


async def test_the_same_key_at_two_councils_makes_one_transaction_at_each(
    http: httpx.AsyncClient, councils: Councils, database: Database
) -> None:
    key = uuid.uuid4().hex
    for council in (councils.member, councils.outsider):
        response = await post(http, council.slug, "report-pothole", answers_for("report-pothole", council), key)
        assert response.status_code == 201
        assert response.json()["reference"].startswith(council.reference_prefix)


async def choose_on_the_sandbox_page(http: httpx.AsyncClient, slug: str, next_url: str, outcome: str) -> str:
    """The resident finishes paying on the sandbox's page; returns where the provider sends them back."""
    page = await http.get(next_url, headers=host_for(slug))
    assert page.status_code == 200
    assert "Sandbox: no real money" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]  # the page is a form, as any other
    chosen = await http.post(next_url, data={"outcome": outcome, "csrf_token": token}, headers=host_for(slug))
    assert chosen.status_code == 303, chosen.text
    return chosen.headers["location"]


async def pay(http: httpx.AsyncClient, slug: str, next_url: str, outcome: str) -> dict[str, Any]:
    return_url = await choose_on_the_sandbox_page(http, slug, next_url, outcome)
    returned = await http.get(return_url, headers=host_for(slug))
    assert returned.status_code == 200, returned.text
    body: dict[str, Any] = returned.json()
    return body


async def test_a_garden_waste_subscription_is_only_received_once_it_is_paid(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.overriding.slug
    submitted = await post(
        http, slug, "garden-waste-subscription", answers_for("garden-waste-subscription", councils.overriding)
    )
    body = submitted.json()
    assert (body["status"], body["status_label"], body["fee_pence"]) == (
        "awaiting_payment",
        "Waiting for payment",
        11000,
    )
    assert body["payment"]["next_url"].startswith("/sandbox-payments/")

    returned = await pay(http, slug, body["payment"]["next_url"], "success")
    tracked = await track(http, slug, body["reference"])

    assert returned["confirmed"] is True
    assert (tracked["status"], tracked["status_label"]) == ("submitted", "Received")
    assert tracked["payment"] == {"status": "success", "amount_pence": 11000}
    assert [event["status"] for event in tracked["history"]] == ["awaiting_payment", "submitted"]


async def test_an_abandoned_payment_leaves_a_transaction_that_says_so_and_can_be_paid_later(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.member.slug
    body = (
        await post(http, slug, "resident-parking-permit", answers_for("resident-parking-permit", councils.member))
    ).json()

    returned = await pay(http, slug, body["payment"]["next_url"], "abandon")
    tracked = await track(http, slug, body["reference"])
    retry = await http.post(
        f"/api/v1/transactions/{body['reference']}/payment", params={"email": EMAIL}, headers=host_for(slug)
    )
    paid = await pay(http, slug, retry.json()["next_url"], "success")

    assert returned["confirmed"] is False
    assert (tracked["status"], tracked["payment"]["status"]) == ("awaiting_payment", "abandoned")
    assert tracked["history"][-1]["note"] == "Payment not finished: no money was taken"
    assert paid["confirmed"] is True and paid["status"] == "submitted"


async def test_a_declined_penalty_charge_payment_is_recorded_as_not_taken(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.outsider.slug
    body = (await post(http, slug, "pay-penalty-charge", answers_for("pay-penalty-charge", councils.outsider))).json()

    returned = await pay(http, slug, body["payment"]["next_url"], "decline")

    assert (returned["status"], returned["status_label"], returned["payment_status"]) == (
        "payment_failed",
        "Payment not taken",
        "declined",
    )


async def test_staff_close_a_report_and_the_resident_sees_who_decided_and_why_in_the_councils_words(
    http: httpx.AsyncClient, councils: Councils, database: Database
) -> None:
    slug = councils.member.slug
    reference = (await post(http, slug, "report-pothole", answers_for("report-pothole", councils.member))).json()[
        "reference"
    ]
    tenant = await tenant_context_for(database, slug)
    registry = discover_modules()

    async with tenant_connection(database.engine, tenant) as connection:
        with pytest.raises(DecisionIncomplete):
            await change_status(connection, tenant, reference, "rejected", "staff:sam", None, registry=registry)
    async with tenant_connection(database.engine, tenant) as connection:
        await change_status(connection, tenant, reference, "in_progress", "staff:sam", registry=registry)
        await change_status(
            connection, tenant, reference, "resolved", "staff:sam", "Filled on 24 November",
            reason_public=True, registry=registry,
        )  # fmt: skip
    async with tenant_connection(database.engine, tenant) as connection:
        with pytest.raises(TransitionNotAllowed):
            await change_status(connection, tenant, reference, "in_progress", "staff:sam", registry=registry)

    tracked = await track(http, slug, reference)
    assert (tracked["status"], tracked["status_label"]) == ("resolved", "Repaired")
    assert tracked["decision"] == {"by": "staff:sam", "reason": "Filled on 24 November", "public": True}
    assert [event["status_label"] for event in tracked["history"]] == ["Received", "In progress", "Repaired"]


async def test_a_resident_attaches_a_photo_checked_by_its_content(http: httpx.AsyncClient, councils: Councils) -> None:
    slug = councils.member.slug
    body = (await post(http, slug, "report-pothole", answers_for("report-pothole", councils.member))).json()
    upload = body["upload"]
    png = photo_png()

    stored = await http.post(
        upload["href"],
        files={"files": ("pothole.png", png, "image/png")},
        headers={**host_for(slug), "X-Upload-Token": upload["token"]},
    )
    disguised = await http.post(
        upload["href"],
        files={"files": ("pothole.jpg", b"#!/bin/sh\necho not a photo", "image/jpeg")},
        headers={**host_for(slug), "X-Upload-Token": upload["token"]},
    )
    forged = await http.post(
        upload["href"],
        files={"files": ("pothole.png", png, "image/png")},
        headers={**host_for(slug), "X-Upload-Token": "9999999999.0000"},
    )

    assert stored.status_code == 201, stored.text
    assert stored.json()["attachments"][0]["content_type"] == "image/png"
    assert disguised.status_code == 422
    assert disguised.json()["errors"] == [
        {"field": "attachments.0", "message": "The selected file must be a JPG, PNG or HEIC"}
    ]
    assert forged.status_code == 404


async def test_my_requests_need_a_signed_in_resident(http: httpx.AsyncClient, councils: Councils) -> None:
    response = await http.get("/api/v1/me/transactions", headers=host_for(councils.member.slug))

    assert response.status_code == 401


async def test_a_council_addressed_by_its_path_prefix_answers_with_links_under_it(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    prefix = f"/t/{councils.member.slug}"
    sent = await http.post(
        f"{prefix}/api/v1/services/report-pothole/transactions",
        json={"answers": answers_for("report-pothole", councils.member), "channel": "app", "contact_email": EMAIL},
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["track_href"].startswith(f"{prefix}/api/v1/transactions/")
    assert sent.headers["location"] == body["track_href"]

    tracked = await http.get(body["track_href"], params={"email": EMAIL})
    assert tracked.status_code == 200 and tracked.json()["reference"] == body["reference"]
    png = photo_png()
    attached = await http.post(
        body["upload"]["href"],
        files={"files": ("pothole.png", png, "image/png")},
        headers={"X-Upload-Token": body["upload"]["token"]},
    )
    assert attached.status_code == 201, attached.text
