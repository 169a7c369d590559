"""Councils start in trial; operators switch them live, clear their test data, and watch usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from civicshare.db.engine import Database, tenant_connection
from civicshare.transactions.tables import transaction_events, transactions
from tests.admin.conftest import onboard
from tests.support import record_transaction, tenant_context_for


async def counts(database: Database, slug: str) -> tuple[int, int, int]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        test = await connection.scalar(select(func.count()).where(transactions.c.is_test))
        live = await connection.scalar(select(func.count()).where(transactions.c.is_test.is_(False)))
        events = await connection.scalar(select(func.count()).select_from(transaction_events))
    return int(test or 0), int(live or 0), int(events or 0)


async def test_a_trial_council_goes_live_and_its_test_data_is_cleared(
    admin: httpx.AsyncClient, database: Database
) -> None:
    slug = (await onboard(admin))["slug"]
    await record_transaction(database, slug, "tester@example.org")
    await record_transaction(database, slug, "tester@example.org")
    live = await admin.put(f"/admin/v1/councils/{slug}/mode", json={"mode": "live"})
    assert live.status_code == 200, live.text
    assert live.json()["mode"] == "live" and live.json()["is_trial"] is False
    await record_transaction(database, slug, "resident@example.org")
    assert await counts(database, slug) == (2, 1, 3)

    purged = await admin.post(f"/admin/v1/councils/{slug}/test-data/purge")
    assert purged.status_code == 200, purged.text
    assert purged.json()["transactions_deleted"] == 2
    assert await counts(database, slug) == (0, 1, 1)
    audit = (await admin.get("/admin/v1/audit-events", params={"council": slug})).json()["items"]
    assert [event["action"] for event in audit[:2]] == ["council.test_data_purged", "council.mode_changed"]
    assert audit[1]["before"] == {"mode": "trial"} and audit[1]["after"] == {"mode": "live"}
    assert (await admin.put(f"/admin/v1/councils/{slug}/mode", json={"mode": "beta"})).status_code == 422


async def test_usage_counts_transactions_per_council_per_day(admin: httpx.AsyncClient, database: Database) -> None:
    slug = (await onboard(admin))["slug"]
    await admin.put(f"/admin/v1/councils/{slug}/mode", json={"mode": "live"})
    for _ in range(3):
        await record_transaction(database, slug, "resident@example.org")
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        first = await connection.scalar(select(func.min(transactions.c.id)))
        await connection.execute(
            update(transactions)
            .where(transactions.c.id == first)
            .values(created_at=datetime.now(UTC) - timedelta(days=2), is_test=True)
        )

    async def usage_of(**params: str) -> dict[str, object]:
        response = await admin.get("/admin/v1/usage", params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["active_councils"] >= 1
        found: dict[str, object] = next(item for item in page["items"] if item["council"] == slug)
        return found

    without_test = await usage_of()
    assert without_test["transactions"] == 2
    assert len(without_test["days"]) == 1  # type: ignore[arg-type]
    with_test = await usage_of(include_test="true")
    assert with_test["transactions"] == 3
    assert len(with_test["days"]) == 2  # type: ignore[arg-type]
    assert (
        await admin.get("/admin/v1/usage", params={"since": "2026-02-01", "until": "2026-01-01"})
    ).status_code == 422
