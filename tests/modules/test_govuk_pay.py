"""The GOV.UK Pay adapter against a stand-in for GOV.UK Pay's API (the real one is not reachable here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from civicshare.payments import (
    GovUkPayProvider,
    PaymentFailed,
    PaymentProvider,
    PaymentStatus,
    UnknownPayment,
)

API_KEY = "api_test_kingston"
NEXT_URL = "https://card.payments.service.gov.uk/secure/8f2b"


def payment_body(status: str, code: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"status": status, "finished": status not in {"created", "started"}}
    if code:
        state["code"] = code
    return {
        "payment_id": "hu20sqlact5260q2nanm0q8u93",
        "amount": 13000,
        "reference": "KNG-2026-000123",
        "state": state,
        "_links": {"next_url": {"href": NEXT_URL, "method": "GET"}},
    }


def provider(handler: Callable[[httpx.Request], httpx.Response]) -> GovUkPayProvider:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return GovUkPayProvider(API_KEY, base_url="https://pay.test", client=client)


def test_the_adapter_fits_the_payment_port() -> None:
    assert isinstance(provider(lambda request: httpx.Response(500)), PaymentProvider)


async def test_creating_a_payment_sends_the_amount_and_reference_with_the_councils_key() -> None:
    seen: list[httpx.Request] = []

    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=payment_body("created"))

    session = await provider(gov_uk_pay).create_payment(
        13000, "KNG-2026-000123", "Resident parking permit", "https://kingston.localhost/paid"
    )

    [request] = seen
    assert (request.method, str(request.url)) == ("POST", "https://pay.test/v1/payments")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.content) == {
        "amount": 13000,
        "reference": "KNG-2026-000123",
        "description": "Resident parking permit",
        "return_url": "https://kingston.localhost/paid",
        "language": "en",
    }
    assert (session.id, session.next_url, session.status) == (
        "hu20sqlact5260q2nanm0q8u93",
        NEXT_URL,
        PaymentStatus.CREATED,
    )


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        ("started", None, PaymentStatus.CREATED),
        ("submitted", None, PaymentStatus.CREATED),
        ("success", None, PaymentStatus.SUCCESS),
        ("failed", "P0010", PaymentStatus.DECLINED),
        ("failed", "P0020", PaymentStatus.ABANDONED),
        ("failed", "P0030", PaymentStatus.ABANDONED),
        ("cancelled", "P0040", PaymentStatus.ABANDONED),
        ("error", "P0050", PaymentStatus.ERROR),
    ],
)
async def test_gov_uk_pay_states_map_onto_what_the_council_records(
    status: str, code: str | None, expected: PaymentStatus
) -> None:
    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://pay.test/v1/payments/hu20sqlact5260q2nanm0q8u93"
        return httpx.Response(200, json=payment_body(status, code))

    assert await provider(gov_uk_pay).get_status("hu20sqlact5260q2nanm0q8u93") is expected


async def test_a_refused_creation_reports_gov_uk_pays_reason() -> None:
    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422, json={"field": "amount", "code": "P0102", "description": "Invalid attribute value: amount"}
        )

    with pytest.raises(PaymentFailed, match="P0102 Invalid attribute value: amount"):
        await provider(gov_uk_pay).create_payment(0, "KNG-2026-000124", "Permit", "https://kingston.localhost/paid")


async def test_a_payment_gov_uk_pay_does_not_know_is_unknown() -> None:
    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": "P0200", "description": "Not found"})

    with pytest.raises(UnknownPayment):
        await provider(gov_uk_pay).get_status("nope")


async def test_gov_uk_pay_being_down_is_a_payment_failure_not_a_crash() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PaymentFailed, match="could not be reached"):
        await provider(unreachable).get_status("hu20sqlact5260q2nanm0q8u93")


async def test_an_answer_without_a_next_url_is_a_payment_failure() -> None:
    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        body = payment_body("created")
        del body["_links"]
        return httpx.Response(201, json=body)

    with pytest.raises(PaymentFailed, match="missing"):
        await provider(gov_uk_pay).create_payment(100, "KNG-2026-000125", "Permit", "https://kingston.localhost/paid")
