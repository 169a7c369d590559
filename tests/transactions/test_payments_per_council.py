"""Paid services take the money into the council's own GOV.UK Pay account; a council without one, or
GOV.UK Pay not answering, leaves a saved request and a clear 503, never a crash."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from civicshare.payments.accounts import GovUkPayAccounts
from civicshare.settings import Settings
from tests.modules.test_govuk_pay import NEXT_URL, payment_body
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import ServedPlatform, host_for


class StandInGovUkPay:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.up = True
        self.state = "created"  # what GOV.UK Pay says of the payment when asked

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.up:
            return httpx.Response(500, json={"description": "down for maintenance"})
        return httpx.Response(201 if request.method == "POST" else 200, json=payment_body(self.state))


@pytest.fixture
def pay() -> StandInGovUkPay:
    return StandInGovUkPay()


@pytest.fixture
def platform(
    settings: Settings, database_url: str, councils: Councils, tmp_path: Path, pay: StandInGovUkPay
) -> Iterator[ServedPlatform]:
    (tmp_path / councils.member.slug).write_text(f"api_test_{councils.member.slug}")
    served = ServedPlatform(settings, database_url)
    client = httpx.AsyncClient(transport=httpx.MockTransport(pay))
    served.services.payment_accounts = GovUkPayAccounts(tmp_path, base_url="https://pay.test", client=client)
    served.start()
    yield served
    served.stop()


async def subscribe(http: httpx.AsyncClient, councils: Councils, slug: str) -> httpx.Response:
    council = councils.member if slug == councils.member.slug else councils.outsider
    return await http.post(
        "/api/v1/services/garden-waste-subscription/transactions",
        json={
            "answers": answers_for("garden-waste-subscription", council),
            "channel": "web",
            "contact_email": "pat@example.org",
        },
        headers={**host_for(slug), "Idempotency-Key": uuid.uuid4().hex},
    )


async def test_a_council_with_an_account_takes_the_payment_in_it_and_one_without_saves_the_request(
    platform: ServedPlatform, councils: Councils, pay: StandInGovUkPay
) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as http:
        paid = await subscribe(http, councils, councils.member.slug)
        assert paid.status_code == 201, paid.text
        assert paid.json()["payment"]["next_url"] == NEXT_URL
        [created] = pay.requests
        assert created.headers["Authorization"] == f"Bearer api_test_{councils.member.slug}"
        assert json.loads(created.content)["amount"] == paid.json()["fee_pence"]

        refused = await subscribe(http, councils, councils.outsider.slug)
        assert refused.status_code == 503
        assert refused.json()["type"].endswith("payment-unavailable")
        reference = refused.json()["reference"]
        tracked = await http.get(
            f"/api/v1/transactions/{reference}",
            params={"email": "pat@example.org"},
            headers=host_for(councils.outsider.slug),
        )
        assert tracked.status_code == 200 and tracked.json()["payment"]["status"] == "required"
        assert len(pay.requests) == 1  # nothing was sent on the outsider's behalf


async def test_gov_uk_pay_not_answering_on_the_way_back_is_a_503_and_the_request_is_kept(
    platform: ServedPlatform, councils: Councils, pay: StandInGovUkPay
) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as http:
        paid = await subscribe(http, councils, councils.member.slug)
        return_url = json.loads(pay.requests[0].content)["return_url"]
        pay.up = False
        back = urlsplit(return_url)
        answer = await http.get(f"{back.path}?{back.query}", headers=host_for(councils.member.slug))
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "30"
    assert paid.json()["reference"] in answer.json()["detail"]
