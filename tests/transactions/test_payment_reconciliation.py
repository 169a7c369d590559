"""A resident who pays and never comes back to the council's site (closed the tab, lost signal) still gets
their request confirmed: `civicshare payments reconcile` asks the provider about payments that have waited
too long, council by council, and records what it says; a payment still in progress keeps waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.pool import Pool, QueuePool

from civicshare.cli import main
from civicshare.db.engine import Database
from civicshare.payments import PaymentProvider, PaymentSession, PaymentStatus
from civicshare.settings import Settings
from civicshare.transactions.reconciliation import reconcile_payments
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import ServedPlatform, host_for, tenant_context_for
from tests.transactions.test_payments_per_council import StandInGovUkPay, pay, platform, subscribe

__all__ = ["pay", "platform"]  # fixtures
from tests.transactions.test_submissions import choose_on_the_sandbox_page, post, track


async def reconcile(settings: Settings, monkeypatch: pytest.MonkeyPatch, *options: str) -> Result:
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CIVICSHARE_DATA_DIR", str(settings.data_dir))  # where the sandbox keeps its payments
    monkeypatch.setenv("CIVICSHARE_LOG_LEVEL", "WARNING")
    # In a thread: the command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, main, ["payments", "reconcile", *options])
    assert result.exit_code == 0, result.output
    return result


async def test_payments_nobody_came_back_from_are_settled_with_the_provider(
    http: httpx.AsyncClient, councils: Councils, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = councils.outsider.slug
    answers = answers_for("pay-penalty-charge", councils.outsider)
    requests: list[dict[str, Any]] = [(await post(http, slug, "pay-penalty-charge", answers)).json() for _ in "abc"]
    paid, abandoned, still_paying = requests
    await choose_on_the_sandbox_page(http, slug, paid["payment"]["next_url"], "success")
    await choose_on_the_sandbox_page(http, slug, abandoned["payment"]["next_url"], "abandon")

    await reconcile(settings, monkeypatch)  # by default only payments left for half an hour
    assert (await track(http, slug, paid["reference"]))["status"] == "awaiting_payment"

    result = await reconcile(settings, monkeypatch, "--older-than", "0")

    statuses = [(await track(http, slug, request["reference"]))["status"] for request in requests]
    assert statuses == ["paid", "payment_failed", "awaiting_payment"]
    tracked = await track(http, slug, paid["reference"])
    assert tracked["payment"]["status"] == "success"
    assert tracked["history"][-1]["note"] == "Payment received"
    output = " ".join(result.output.split())
    assert f"{slug} {paid['reference']}: payment success, now paid" in output
    assert f"{slug} {still_paying['reference']}: payment created, now awaiting_payment" in output


class ConnectionsHeldWhileAsking:
    """A provider that notes how many pooled database connections are checked out while it is asked."""

    def __init__(self, provider: PaymentProvider, pool: Pool) -> None:
        assert isinstance(pool, QueuePool)
        self.provider, self.pool, self.held = provider, pool, list[int]()

    async def create_payment(
        self, amount_pence: int, reference: str, description: str, return_url: str
    ) -> PaymentSession:
        self.held.append(self.pool.checkedout())
        return await self.provider.create_payment(amount_pence, reference, description, return_url)

    async def get_status(self, payment_id: str) -> PaymentStatus:
        self.held.append(self.pool.checkedout())
        return await self.provider.get_status(payment_id)


async def test_a_gov_uk_pay_payment_finished_after_the_resident_left_is_settled_in_the_councils_account(
    platform: ServedPlatform, councils: Councils, pay: StandInGovUkPay, database: Database
) -> None:
    slug = councils.member.slug
    async with httpx.AsyncClient(base_url=platform.url) as http:
        reference = (await subscribe(http, councils, slug)).json()["reference"]
        pay.state = "success"  # the resident paid, then closed the tab
        services = platform.services
        council = await tenant_context_for(database, slug)

        watching = ConnectionsHeldWhileAsking(services.payments_for(council), database.engine.pool)

        [reconciled] = await reconcile_payments(
            database.engine, services.registry, lambda _: watching, timedelta(0), councils=[council]
        )

        tracked = await http.get(
            f"/api/v1/transactions/{reference}", params={"email": "pat@example.org"}, headers=host_for(slug)
        )
    assert reconciled.settled
    assert watching.held == [0]  # no database connection waited on GOV.UK Pay
    assert (tracked.json()["status"], tracked.json()["payment"]["status"]) == ("submitted", "success")
    asked = pay.requests[-1]
    assert asked.method == "GET" and asked.headers["Authorization"] == f"Bearer api_test_{slug}"
