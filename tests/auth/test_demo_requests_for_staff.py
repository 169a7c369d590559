"""The demo's requests open in the staff API like any other: each one's status is its own workflow's,
so staff see where it is and where it may go next, and Open311 clients see old reports closed."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import func, select

from civicshare.app import discover_modules
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.savings.demo_loader import load_demo_data
from civicshare.transactions.tables import transactions
from tests.support import host_for, tenant_context_for

from .conftest import CouncilWithOrganization, bearer, staff_token


async def test_staff_open_every_kind_of_demo_request(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(modules={"highways": {"enabled": True}})
    tenant = await tenant_context_for(database, slug)
    await load_demo_data(database, [tenant], months=2, registry=discover_modules())
    async with tenant_connection(database.engine, tenant) as connection:
        one_of_each = (
            await connection.execute(
                select(transactions.c.service, transactions.c.status, func.min(transactions.c.reference)).group_by(
                    transactions.c.service, transactions.c.status
                )
            )
        ).all()
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)

    for service, status, reference in one_of_each:
        answer = await http.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(sam, slug))
        assert answer.status_code == 200, (service, status, answer.text)
        assert answer.json()["request"]["status"] == status
        if status in ("resolved", "rejected", "approved", "refused", "paid"):
            assert answer.json()["next_statuses"] == []
            assert answer.json()["request"]["decision"]["reason"]

    oldest_pothole = min(
        reference for service, status, reference in one_of_each if service == "report-pothole" and status == "resolved"
    )
    open311 = await http.get(f"/open311/v2/requests/{oldest_pothole}.json", headers=host_for(slug))
    assert open311.status_code == 200 and open311.json()[0]["status"] == "closed"
    assert date.fromisoformat(open311.json()[0]["requested_datetime"][:10]) < date.today()
