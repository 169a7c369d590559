"""Each council pays into its own GOV.UK Pay account; a council without one is told so, not crashed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from civicshare.payments import PaymentFailed
from civicshare.payments.accounts import GovUkPayAccounts
from civicshare.settings import Settings
from tests.modules.test_govuk_pay import payment_body


def accounts(keys: Path, seen: list[httpx.Request]) -> GovUkPayAccounts:
    def gov_uk_pay(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=payment_body("created"))

    client = httpx.AsyncClient(transport=httpx.MockTransport(gov_uk_pay))
    return GovUkPayAccounts(keys, base_url="https://pay.test", client=client)


async def test_each_council_pays_with_its_own_key(tmp_path: Path) -> None:
    (tmp_path / "kingston").write_text("api_test_kingston\n")
    (tmp_path / "newham").write_text("api_test_newham")
    seen: list[httpx.Request] = []
    by_council = accounts(tmp_path, seen)

    await by_council.for_council("kingston").create_payment(100, "KNG-2026-000001", "Permit", "https://k/paid")
    await by_council.for_council("newham").create_payment(100, "NWM-2026-000001", "Permit", "https://n/paid")

    assert [request.headers["Authorization"] for request in seen] == [
        "Bearer api_test_kingston",
        "Bearer api_test_newham",
    ]


async def test_a_council_without_an_account_fails_its_payments_by_name_until_a_key_arrives(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    by_council = accounts(tmp_path, seen)

    with pytest.raises(PaymentFailed, match=r"'havering' has no GOV\.UK Pay account"):
        await by_council.for_council("havering").create_payment(100, "HAV-2026-000001", "Permit", "https://h/paid")
    assert seen == []

    (tmp_path / "havering").write_text("api_test_havering")
    await by_council.for_council("havering").create_payment(100, "HAV-2026-000001", "Permit", "https://h/paid")
    assert seen[0].headers["Authorization"] == "Bearer api_test_havering"


async def test_a_slug_cannot_reach_outside_the_keys_directory(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (tmp_path / "secret").write_text("api_live_not_yours")
    with pytest.raises(PaymentFailed):
        await accounts(keys, []).for_council("../secret").create_payment(100, "X-2026-000001", "x", "https://x/")


def test_gov_uk_pay_without_a_keys_directory_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="CIVICSHARE_GOVUK_PAY_KEYS_DIR"):
        Settings.model_validate({**settings.model_dump(), "payment_provider": "govuk_pay"})


async def test_stopping_closes_the_connection_to_gov_uk_pay(tmp_path: Path) -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(500)))
    by_council = GovUkPayAccounts(tmp_path, base_url="https://pay.test", client=client)
    await by_council.aclose()
    assert client.is_closed
