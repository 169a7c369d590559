"""An app node remembers the savings reports it worked out, and never shows one that is out of date: a
change made through another node (a fleet has many) shows in the next report at once, a resident's
submission too when residents' activity may lag by nothing (the suite's setting) and after at most that lag
otherwise, and one council's remembered report is never another's.

Node 1 is the served platform; node 2 is a second app over the same database with a memory of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.savings.remembered import RememberedReports
from civicshare.savings.service import uk_day
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import NewTransaction, create_transaction
from tests.savings.conftest import LiveCouncilFactory, SignedIn, record_contacts
from tests.support import host_for

MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


@dataclass
class Node:
    http: httpx.AsyncClient
    services: PlatformServices


@asynccontextmanager
async def another_node(settings: Settings, database_url: str, dev_identity: DevIdentity) -> AsyncIterator[Node]:
    database = Database(make_engine(database_url, pool_size=2), database_url)
    services = build_services(settings, database)
    app: Any = create_app(settings, services)  # an ASGI app; its scope types are narrower than httpx says
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30, auth=SignedIn(dev_identity)
    ) as client:
        yield Node(client, services)
    await database.dispose()


@pytest.fixture
async def node_two(settings: Settings, database_url: str, dev_identity: DevIdentity) -> AsyncIterator[Node]:
    async with another_node(settings, database_url, dev_identity) as node:
        yield node


async def _totals(node: Node, slug: str, period: dict[str, str]) -> dict[str, Any]:
    response = await node.http.get("/api/v1/savings/report", params=period, headers=host_for(slug))
    assert response.status_code == 200, response.text
    totals: dict[str, Any] = response.json()["report"]["totals"]
    return totals


async def test_a_change_made_through_one_node_shows_in_the_report_another_node_remembers(
    database: Database, http: httpx.AsyncClient, node_two: Node, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    await record_contacts(database, council, date(2024, 3, 10), "report-pothole", "web", 4)
    # 4 web reports at the platform's £0.15.
    assert (await _totals(node_two, council.slug, MARCH))["actual_cost"] == "0.60"
    assert (await _totals(node_two, council.slug, MARCH))["actual_cost"] == "0.60"
    assert len(node_two.services.savings_reports) == 1  # worked out once, then remembered

    web_rise = {"channel": "web", "unit_cost": "0.25", "effective_from": "2024-03-01"}
    assert (await http.post("/api/v1/savings/unit-costs", json=web_rise, headers=headers)).status_code == 201
    assert (await _totals(node_two, council.slug, MARCH))["actual_cost"] == "1.00"  # 4 x 0.25

    calls = "date,service,channel,count\n2024-03-12,report-pothole,phone,2\n"
    imported = await http.post(
        "/api/v1/savings/offline-contacts", content=calls, headers={**headers, "content-type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    totals = await _totals(node_two, council.slug, MARCH)
    assert (totals["volume"], totals["actual_cost"]) == (6, "6.66")  # + 2 calls x 2.83

    baseline = {"shares": {"phone": "0.8", "web": "0.2"}}
    assert (
        await http.put("/api/v1/savings/baseline/report-pothole", json=baseline, headers=headers)
    ).status_code == 200
    # At the old mix: calls 6 x 0.8 x 2.83 = 13.584 -> 13.58, web 6 x 0.2 x 0.25 = 0.30; saved 13.88 - 6.66.
    totals = await _totals(node_two, council.slug, MARCH)
    assert (totals["baseline_cost"], totals["savings"]) == ("13.88", "7.22")


async def test_a_residents_request_shows_in_the_next_report_and_councils_never_share_one(
    database: Database, node_two: Node, live_council: LiveCouncilFactory
) -> None:
    council, neighbour = await live_council(), await live_council()
    today = uk_day(datetime.now(UTC)).isoformat()
    period = {"from": today, "to": today}
    await record_contacts(database, council, uk_day(datetime.now(UTC)), "report-pothole", "web", 2)
    assert (await _totals(node_two, council.slug, period))["volume"] == 2
    assert (await _totals(node_two, neighbour.slug, period))["volume"] == 0

    # A submission counts itself in today's rollup inside its own INSERT, and changes nothing else.
    await _submit_a_report(database, council)
    assert (await _totals(node_two, council.slug, period))["volume"] == 3
    assert (await _totals(node_two, neighbour.slug, period))["volume"] == 0


async def _report(node: Node, slug: str, period: dict[str, str]) -> dict[str, Any]:
    response = await node.http.get("/api/v1/savings/report", params=period, headers=host_for(slug))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _submit_a_report(database: Database, council: TenantContext) -> None:
    new = NewTransaction(
        module="highways",
        service="report-pothole",
        channel="web",
        status="received",
        answers={"description": "a pothole by the bus stop"},
        contact_email="resident@example.org",
    )
    async with tenant_connection(database.engine, council) as connection:
        await create_transaction(connection, council, new)


async def test_residents_activity_shows_within_the_lag_and_an_officers_change_at_once(
    database: Database,
    http: httpx.AsyncClient,
    settings: Settings,
    database_url: str,
    dev_identity: DevIdentity,
    live_council: LiveCouncilFactory,
) -> None:
    council = await live_council()
    today = uk_day(datetime.now(UTC))
    period = {"from": today.isoformat(), "to": today.isoformat()}
    await record_contacts(database, council, today, "report-pothole", "web", 2)
    patient = settings.model_copy(update={"savings_activity_lag_seconds": 600.0})
    brisk = settings.model_copy(update={"savings_activity_lag_seconds": 0.5})
    async with (
        another_node(patient, database_url, dev_identity) as slow,
        another_node(brisk, database_url, dev_identity) as quick,
    ):
        first = await _report(slow, council.slug, period)
        assert first["report"]["totals"]["volume"] == 2
        assert (await _report(quick, council.slug, period))["report"]["totals"]["volume"] == 2
        read_at = datetime.fromisoformat(first["figures_read_at"])
        assert abs((datetime.now(UTC) - read_at).total_seconds()) < 60

        await _submit_a_report(database, council)
        # Within the lag the remembered report stands, and says when its figures were read.
        again = await _report(slow, council.slug, period)
        assert again["report"]["totals"]["volume"] == 2
        assert again["figures_read_at"] == first["figures_read_at"]
        # An officer's change is never held back: the 3 web contacts at the new cost.
        web_rise = {"channel": "web", "unit_cost": "0.25", "effective_from": today.isoformat()}
        headers = host_for(council.slug)
        assert (await http.post("/api/v1/savings/unit-costs", json=web_rise, headers=headers)).status_code == 201
        changed = await _report(slow, council.slug, period)
        assert (changed["report"]["totals"]["volume"], changed["report"]["totals"]["actual_cost"]) == (3, "0.75")
        assert datetime.fromisoformat(changed["figures_read_at"]) > read_at

        # Past the lag, the resident's submission shows on the node that remembered the report without it:
        # the first request after the lag is answered at once with the remembered report, and the new one,
        # worked out beside it, answers the requests after.
        quick_report = await _report(quick, council.slug, period)  # worked out again: the cost changed
        assert quick_report["report"]["totals"]["volume"] == 3
        await _submit_a_report(database, council)
        await asyncio.sleep(0.6)
        answered_at_once = await _report(quick, council.slug, period)
        assert answered_at_once["figures_read_at"] == quick_report["figures_read_at"]
        for _ in range(100):
            latest = await _report(quick, council.slug, period)
            if latest["report"]["totals"]["volume"] == 4:
                break
            await asyncio.sleep(0.1)
        assert latest["report"]["totals"]["volume"] == 4
        assert datetime.fromisoformat(latest["figures_read_at"]) > datetime.fromisoformat(
            quick_report["figures_read_at"]
        )


async def test_savings_to_date_from_before_the_period_follow_a_change_to_those_months(
    database: Database, http: httpx.AsyncClient, node_two: Node, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    baseline = {"shares": {"phone": "0.8", "web": "0.2"}}
    assert (await http.put("/api/v1/savings/baseline/report-pothole", json=baseline, headers=headers)).is_success
    await record_contacts(database, council, date(2024, 2, 10), "report-pothole", "web", 10)
    await record_contacts(database, council, date(2024, 3, 10), "report-pothole", "web", 5)

    async def savings_to_date(rate: str) -> str:
        asked = {**MARCH, "avoidance_rate": rate}
        response = await node_two.http.get("/api/v1/savings/report", params=asked, headers=host_for(council.slug))
        assert response.status_code == 200, response.text
        return str(response.json()["savings_to_date"])

    # February: at the old mix 10 x 0.8 x 2.83 = 22.64 and 10 x 0.2 x 0.15 = 0.30, less 10 x 0.15 = 1.50:
    # 21.44. March: 11.32 + 0.15 - 0.75 = 10.72. Asked twice (the savings before March remembered).
    assert await savings_to_date("0.2") == "32.16"
    assert await savings_to_date("0.25") == "32.16"

    calls = "date,service,channel,count\n2024-02-10,report-pothole,phone,4\n"
    imported = await http.post(
        "/api/v1/savings/offline-contacts", content=calls, headers={**headers, "content-type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    # February now: 14 contacts that day at the old mix, 14 x 0.8 x 2.83 = 31.696 -> 31.70 and
    # 14 x 0.2 x 0.15 = 0.42, less 4 x 2.83 + 1.50 = 12.82: 19.30; with March's 10.72, 30.02.
    assert await savings_to_date("0.3") == "30.02"


async def test_a_report_worked_out_beside_requests_that_fails_or_is_cut_short_leaves_the_remembered_one(
    database: Database, node_two: Node, live_council: LiveCouncilFactory, caplog: pytest.LogCaptureFixture
) -> None:
    council = await live_council()
    reports = RememberedReports(8, activity_lag_seconds=0.05)

    def answer(text: str) -> Callable[[AsyncConnection], Awaitable[str]]:
        async def work_out(connection: AsyncConnection) -> str:
            return text

        return work_out

    async def failing(connection: AsyncConnection) -> str:
        raise RuntimeError("the database went away mid-report")

    async def held_up(connection: AsyncConnection) -> str:
        await asyncio.Event().wait()  # until cancelled
        return "never"

    async def asked(work_out: Callable[[AsyncConnection], Awaitable[str]]) -> str:
        flags = node_two.services.service_flags
        return await reports.report_from(database.engine, council, flags, ("test",), work_out)

    assert await asked(answer("first")) == "first"
    await _submit_a_report(database, council)
    await asyncio.sleep(0.1)
    # Past the lag the remembered report answers, and working the new one out fails beside it: logged.
    assert await asked(failing) == "first"
    for _ in range(100):
        if "savings report again failed" in caplog.text:
            break
        await asyncio.sleep(0.05)
    assert f"working out {council.slug}'s savings report again failed" in caplog.text
    # The next request past the lag tries again; the app stopping cuts that short, and waits for it.
    assert await asked(held_up) == "first"
    await asyncio.wait_for(reports.stop_refreshing(), timeout=5)
    # And again: this time the report worked out beside the request answers the requests after it.
    assert await asked(answer("second")) == "first"
    for _ in range(100):
        latest = await asked(answer("not worked out: the inputs are as they were"))
        if latest != "first":
            break
        await asyncio.sleep(0.05)
    assert latest == "second"
