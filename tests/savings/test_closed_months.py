"""A council's finance officer signs off March: once a council admin closes the month, nothing changes
its figures until an operator reopens it, and the reopening is on the record.

The story (one council, spring 2024): 10 pothole calls imported for 15 March and 10 web reports that day;
the pothole baseline 80% phone, 20% web. March's figures, worked out by hand: actual 10 x £2.83 + 10 x
£0.15 = £29.80; at the old mix 20 x (0.8 x £2.83 + 0.2 x £0.15) = £45.88; saved £16.08.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicshare.admin.keys import create_key
from civicshare.admin.tables import audit_events
from civicshare.db.engine import Database, tenant_connection
from civicshare.policy.operators import OperatorScope
from civicshare.tenancy.context import TenantContext
from tests.savings.conftest import AS, LiveCouncilFactory, record_contacts
from tests.savings.test_groups_operators_and_access import make_group
from tests.support import host_for

MARCH = {"from": "2024-03-01", "to": "2024-03-31"}
ADMIN = {AS: "council-admin"}
OPERATOR = {AS: "platform-operator"}


@pytest.fixture(scope="module")
async def operator_key(database: Database) -> str:
    async with database.engine.begin() as connection:
        created = await create_key(
            connection, name="finance operator", scope=OperatorScope.FULL, expires_at=None, created_by="tests"
        )
    return created.key


def csv_body(*rows: str) -> str:
    return "date,service,channel,count\n" + "".join(f"{row}\n" for row in rows)


async def import_counts(http: httpx.AsyncClient, council: TenantContext, *rows: str) -> httpx.Response:
    return await http.post(
        "/api/v1/savings/offline-contacts",
        content=csv_body(*rows),
        headers={**host_for(council.slug), "content-type": "text/csv"},
    )


async def march_council(database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory) -> TenantContext:
    council = await live_council()
    assert (await import_counts(http, council, "2024-03-15,report-pothole,phone,10")).status_code == 200
    await record_contacts(database, council, date(2024, 3, 15), "report-pothole", "web", 10)
    baseline = {"shares": {"phone": "0.8", "web": "0.2"}}
    headers = host_for(council.slug)
    assert (
        await http.put("/api/v1/savings/baseline/report-pothole", json=baseline, headers=headers)
    ).status_code == 200
    return council


async def march_savings(http: httpx.AsyncClient, council: TenantContext) -> Any:
    response = await http.get("/api/v1/savings/report", params=MARCH, headers=host_for(council.slug))
    assert response.status_code == 200, response.text
    return response.json()["report"]["totals"]


def names_closed_march(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["closed_months"] == ["2024-03"]
    assert "March 2024" in problem["detail"]


async def test_a_council_admin_closes_march_and_its_figures_stay_as_signed_off(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await march_council(database, http, live_council)
    headers = host_for(council.slug)
    assert (await march_savings(http, council))["savings"] == "16.08"

    staff = await http.post("/api/v1/savings/closed-months", json={"month": "2024-03"}, headers=headers)
    assert staff.status_code == 403
    closed = await http.post(
        "/api/v1/savings/closed-months", json={"month": "2024-03", "note": "signed off"}, headers={**headers, **ADMIN}
    )
    assert closed.status_code == 200, closed.text
    assert [(item["month"], item["note"]) for item in closed.json()["closed"]] == [("2024-03", "signed off")]
    listed = (await http.get("/api/v1/savings/closed-months", headers=headers)).json()["closed"]
    assert [item["month"] for item in listed] == ["2024-03"]

    # Everything that would change March is refused, naming March.
    names_closed_march(await import_counts(http, council, "2024-03-15,report-pothole,phone,0"))
    names_closed_march(
        await import_counts(http, council, "2024-04-02,report-pothole,phone,1", "2024-03-31,report-pothole,phone,1")
    )
    dearer = {"channel": "phone", "unit_cost": "5.00", "effective_from": "2024-03-10"}
    names_closed_march(await http.post("/api/v1/savings/unit-costs", json=dearer, headers=headers))
    since_january = {
        "channel": "phone",
        "unit_cost": "5.00",
        "effective_from": "2024-01-01",
        "service": "report-pothole",
    }
    names_closed_march(await http.post("/api/v1/savings/unit-costs", json=since_january, headers=headers))
    mix = {"shares": {"phone": "0.5", "web": "0.5"}}
    names_closed_march(await http.put("/api/v1/savings/baseline/report-pothole", json=mix, headers=headers))
    names_closed_march(
        await http.post("/api/v1/savings/baseline/derive", json={"before": "2024-04-01"}, headers=headers)
    )
    assert (await march_savings(http, council))["savings"] == "16.08"
    assert (await march_savings(http, council))["volume"] == 20

    # April is open: its counts, a cost from April and a baseline for a service March never saw are fine.
    assert (await import_counts(http, council, "2024-04-02,report-pothole,phone,1")).status_code == 200
    from_april = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-04-01"}
    assert (await http.post("/api/v1/savings/unit-costs", json=from_april, headers=headers)).status_code == 201
    bins = {"shares": {"phone": "1"}}
    assert (await http.put("/api/v1/savings/baseline/report-missed-bin", json=bins, headers=headers)).status_code == 200

    # A month that has not ended cannot be closed; nor can a month written wrongly.
    for month in ("2999-01", "March", "2024-13"):
        refused = await http.post("/api/v1/savings/closed-months", json={"month": month}, headers={**headers, **ADMIN})
        assert refused.status_code == 422, refused.text


async def test_only_an_operator_reopens_a_month_and_the_reopening_is_on_the_record(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory, operator_key: str
) -> None:
    council = await march_council(database, http, live_council)
    headers = host_for(council.slug)
    await http.post("/api/v1/savings/closed-months", json={"month": "2024-03"}, headers={**headers, **ADMIN})
    # The council's own staff API has no way to reopen.
    assert (await http.delete("/api/v1/savings/closed-months", headers={**headers, **ADMIN})).status_code in {404, 405}

    operator = {"Authorization": f"Bearer {operator_key}"}
    path = f"/admin/v1/councils/{council.slug}/closed-months/2024-03/reopen"
    no_reason = await http.post(path, json={}, headers=operator)
    assert no_reason.status_code == 422
    reopened = await http.post(path, json={"reason": "late calls from the contact centre"}, headers=operator)
    assert reopened.status_code == 200, reopened.text
    assert reopened.json() == {"month": "2024-03", "councils": [council.slug]}
    assert (await http.post(path, json={"reason": "again"}, headers=operator)).status_code == 404

    assert (await import_counts(http, council, "2024-03-15,report-pothole,phone,12")).status_code == 200
    record = (await http.get(f"/admin/v1/councils/{council.slug}/closed-months", headers=operator)).json()
    assert record["closed"] == []
    assert [(event["month"], event["action"]) for event in record["history"]] == [
        ("2024-03", "closed"),
        ("2024-03", "reopened"),
    ]
    assert record["history"][1]["reason"] == "late calls from the contact centre"
    async with database.engine.connect() as connection:
        actions = list(
            await connection.scalars(select(audit_events.c.action).where(audit_events.c.council == council.slug))
        )
    assert "savings.month_reopened" in actions


async def test_a_contact_counted_late_for_a_closed_month_is_refused(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    from civicshare.savings.periods import ClosedMonthError

    council = await march_council(database, http, live_council)
    await http.post(
        "/api/v1/savings/closed-months", json={"month": "2024-03"}, headers={**host_for(council.slug), **ADMIN}
    )
    with pytest.raises(ClosedMonthError):
        await record_contacts(database, council, date(2024, 3, 20), "report-pothole", "web", 1)
    assert (await march_savings(http, council))["volume"] == 20


async def test_rebuilding_rollups_leaves_a_closed_month_as_signed_off(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    from civicshare.savings.service import rebuild_rollups

    council = await march_council(database, http, live_council)
    await http.post(
        "/api/v1/savings/closed-months", json={"month": "2024-03"}, headers={**host_for(council.slug), **ADMIN}
    )
    # The 10 web reports were counted directly, with no transactions behind them: a rebuild would drop them.
    async with tenant_connection(database.engine, council) as connection:
        outcome = await rebuild_rollups(connection, council)
    assert len(outcome.mismatches) == 1
    assert (await march_savings(http, council))["volume"] == 20


async def shared_march(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> tuple[str, TenantContext, TenantContext]:
    """Two councils sharing £36,600 a year (£100 a day in 2024): March's £3,100 by volume.

    East imported 300 March calls, west 100: east pays three quarters, £2,325.00, west £775.00."""
    group = await make_group(database, platform_cost_per_year="36600")
    east, west = await live_council(group=group), await live_council(group=group)
    assert (await import_counts(http, east, "2024-03-04,report-missed-bin,phone,300")).status_code == 200
    assert (await import_counts(http, west, "2024-03-05,report-missed-bin,phone,100")).status_code == 200
    return group, east, west


async def shares(http: httpx.AsyncClient, group: str) -> dict[str, str]:
    response = await http.get(f"/ops/savings/groups/{group}", params=MARCH, headers=OPERATOR)
    assert response.status_code == 200, response.text
    return {member["council"]: member["platform_cost_share"] for member in response.json()["report"]["members"]}


async def test_a_group_member_cannot_shift_shared_cost_onto_the_others_by_reimporting_zeros(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory, operator_key: str
) -> None:
    group, east, west = await shared_march(database, http, live_council)
    assert await shares(http, group) == {east.slug: "2325.00", west.slug: "775.00"}

    # While March is open, the attack works: east's 300 calls re-imported as 0 put the whole cost on west.
    assert (await import_counts(http, east, "2024-03-04,report-missed-bin,phone,0")).status_code == 200
    assert await shares(http, group) == {east.slug: "0.00", west.slug: "3100.00"}
    assert (await import_counts(http, east, "2024-03-04,report-missed-bin,phone,300")).status_code == 200

    # West's admin signs off March: it closes for the whole group, since west's share depends on east's calls.
    closed = await http.post(
        "/api/v1/savings/closed-months", json={"month": "2024-03"}, headers={**host_for(west.slug), **ADMIN}
    )
    assert closed.status_code == 200, closed.text
    east_closed = (await http.get("/api/v1/savings/closed-months", headers=host_for(east.slug))).json()["closed"]
    assert [(item["month"], item["closed_for"]) for item in east_closed] == [("2024-03", west.slug)]

    names_closed_march(await import_counts(http, east, "2024-03-04,report-missed-bin,phone,0"))
    assert await shares(http, group) == {east.slug: "2325.00", west.slug: "775.00"}

    # Only an operator reopens it, and the reopening is recorded at both councils.
    operator = {"Authorization": f"Bearer {operator_key}"}
    reopened = await http.post(
        f"/admin/v1/councils/{east.slug}/closed-months/2024-03/reopen",
        json={"reason": "east's contact centre double counted"},
        headers=operator,
    )
    assert reopened.status_code == 200, reopened.text
    assert sorted(reopened.json()["councils"]) == sorted([east.slug, west.slug])
    for council in (east, west):
        history = (await http.get(f"/admin/v1/councils/{council.slug}/closed-months", headers=operator)).json()
        assert [event["action"] for event in history["history"]] == ["closed", "reopened"]
        async with database.engine.connect() as connection:
            audited = await connection.scalar(
                select(audit_events.c.after).where(
                    audit_events.c.council == council.slug, audit_events.c.action == "savings.month_reopened"
                )
            )
        assert audited is not None and audited["reason"] == "east's contact centre double counted"
    assert (await import_counts(http, east, "2024-03-04,report-missed-bin,phone,150")).status_code == 200
    assert await shares(http, group) == {east.slug: "1860.00", west.slug: "1240.00"}
