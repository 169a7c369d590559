"""A payment taken, or refused, tells the council's systems: its event is in the council's outbox,
written with the change, whether the resident came back from the provider or reconciliation found out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.notifications.tables import outbox_events
from civicshare.settings import Settings
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import tenant_context_for
from tests.transactions.test_payment_reconciliation import reconcile
from tests.transactions.test_submissions import choose_on_the_sandbox_page, post


async def test_a_payment_taken_and_one_abandoned_each_write_their_event(
    http: httpx.AsyncClient, councils: Councils, settings: Settings, monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    slug = councils.outsider.slug
    answers = answers_for("pay-penalty-charge", councils.outsider)
    requests: list[dict[str, Any]] = [(await post(http, slug, "pay-penalty-charge", answers)).json() for _ in "ab"]
    paid, abandoned = requests
    await choose_on_the_sandbox_page(http, slug, paid["payment"]["next_url"], "success")
    await choose_on_the_sandbox_page(http, slug, abandoned["payment"]["next_url"], "abandon")

    await reconcile(settings, monkeypatch, "--older-than", "0")

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        rows = (await connection.execute(select(outbox_events).order_by(outbox_events.c.id))).mappings().all()
    kinds = {
        request["reference"]: [row["kind"] for row in rows if row["reference"] == request["reference"]]
        for request in requests
    }
    assert kinds[paid["reference"]] == ["request.submitted", "payment.succeeded"]
    assert kinds[abandoned["reference"]] == ["request.submitted", "payment.failed"]
    succeeded = next(row for row in rows if row["kind"] == "payment.succeeded")
    assert succeeded["data"]["to_status"] == "paid"
    assert succeeded["data"]["amount_pence"] > 0
    assert succeeded["data"]["payment_status"] == "success"
    failed = next(row for row in rows if row["kind"] == "payment.failed")
    assert failed["data"]["payment_status"] == "abandoned"
    assert "no money was taken" in failed["data"]["reason"]
