"""Operators see every council side by side and each shared-service group with its platform cost shared
out; staff see only their own council, and the access policy refuses the wrong role."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import GroupDefinition
from civicshare.tenancy.service import apply_group
from tests.auth.conftest import bearer, staff_token
from tests.savings.conftest import AS, LiveCouncilFactory, record_contacts
from tests.support import host_for

SPRING = {"from": "2024-03-01", "to": "2024-04-30"}


async def make_group(database: Database, **fields: Any) -> str:
    slug = f"group-{uuid.uuid4().hex[:8]}"
    async with database.engine.begin() as connection:
        await apply_group(connection, GroupDefinition(slug=slug, name=f"Shared service {slug}", **fields))
    return slug


async def group_of_two(
    database: Database, live_council: LiveCouncilFactory, **fields: Any
) -> tuple[str, TenantContext, TenantContext]:
    group = await make_group(database, **fields)
    east, west = await live_council(group=group), await live_council(group=group)
    # 100 contacts at one council, 300 at the other; all on the web, and no baseline, so no savings.
    await record_contacts(database, east, date(2024, 3, 4), "report-missed-bin", "web", 100)
    await record_contacts(database, west, date(2024, 4, 8), "report-missed-bin", "web", 300)
    return group, east, west


async def test_a_groups_platform_cost_is_shared_by_volume(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    # £36,600 a year in 2024, a leap year: £100 a day, so 61 days of March and April cost £6,100.
    group, east, west = await group_of_two(database, live_council, platform_cost_per_year=Decimal("36600"))
    response = await http.get(f"/ops/savings/groups/{group}", params=SPRING)
    assert response.status_code == 200, response.text
    body = response.json()
    report = body["report"]
    assert report["shared_platform_cost"] == "6100.00"
    assert report["apportionment"] == "by_volume"
    members = {member["council"]: member for member in report["members"]}
    # 100 and 300 of 400 contacts: a quarter and three quarters.
    assert members[east.slug]["platform_cost_share"] == "1525.00"
    assert members[west.slug]["platform_cost_share"] == "4575.00"
    # 100 web contacts x £0.15 = £15.00, no savings, so the platform cost is a net cost.
    assert members[east.slug]["figures"]["actual_cost"] == "15.00"
    assert members[east.slug]["savings_after_platform_cost"] == "-1525.00"
    assert report["totals"]["volume"] == 400
    assert report["savings_after_platform_cost"] == "-6100.00"
    assert body["member_names"][east.slug] == east.name


async def test_a_groups_platform_cost_is_shared_by_fixed_shares(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    group = await make_group(database, platform_cost_per_year=Decimal("36600"))
    east, west = await live_council(group=group), await live_council(group=group)
    async with database.engine.begin() as connection:
        shares = {"method": "fixed", "shares": {east.slug: Decimal("0.7"), west.slug: Decimal("0.3")}}
        await apply_group(
            connection,
            GroupDefinition(
                slug=group,
                name=f"Shared service {group}",
                platform_cost_per_year=Decimal("36600"),
                apportionment=shares,
            ),
        )
    report = (await http.get(f"/ops/savings/groups/{group}", params=SPRING)).json()["report"]
    assert {m["council"]: m["platform_cost_share"] for m in report["members"]} == {
        east.slug: "4270.00",
        west.slug: "1830.00",
    }
    assert report["apportionment"] == "fixed_shares"


async def test_operators_see_every_council_side_by_side(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    _, east, west = await group_of_two(database, live_council)
    response = await http.get("/ops/savings/overview", params=SPRING)
    assert response.status_code == 200, response.text
    overview = response.json()
    councils = {summary["council"]: summary for summary in overview["councils"]}
    assert councils[east.slug]["figures"]["volume"] == 100
    assert councils[west.slug]["figures"]["volume"] == 300
    assert overview["totals"]["volume"] == sum(summary["figures"]["volume"] for summary in overview["councils"])
    page = await http.get("/ops/savings", params=SPRING)
    assert page.status_code == 200
    assert east.name in page.text and "Every council side by side" in page.text
    one = await http.get(f"/ops/savings/councils/{west.slug}/report", params=SPRING)
    assert one.json()["report"]["totals"]["volume"] == 300
    assert (await http.get("/ops/savings/councils/nowhere/report")).status_code == 404
    assert (await http.get("/ops/savings/groups/no-such-group")).status_code == 404


async def test_each_council_sees_only_its_own_figures(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    _, east, west = await group_of_two(database, live_council)
    mine = await http.get("/api/v1/savings/report", params=SPRING, headers=host_for(east.slug))
    assert mine.json()["report"]["totals"]["volume"] == 100
    by_path = await http.get(f"/t/{west.slug}/api/v1/savings/report", params=SPRING)
    assert by_path.json()["report"]["totals"]["volume"] == 300
    # A council's address never shows operator pages, whatever role the request claims.
    as_operator = {**host_for(east.slug), AS: "platform-operator"}
    assert (await http.get("/ops/savings/overview", headers=as_operator)).status_code == 404
    assert (await http.get(f"/ops/savings/groups/{east.group_slug}", headers=as_operator)).status_code == 404
    # And staff pages need a council.
    assert (await http.get("/api/v1/savings/report")).status_code == 404


@pytest.mark.parametrize("role", ["council-staff", "council-admin", "platform-operator"])
async def test_a_request_that_only_claims_a_role_is_not_signed_in(
    anonymous: httpx.AsyncClient, live_council: LiveCouncilFactory, role: str
) -> None:
    """The demo's old X-Civicshare-Dev-Role header is gone: roles come only from tokens and sessions."""
    council = await live_council()
    claimed = {"X-Civicshare-Dev-Role": role}
    report = await anonymous.get("/api/v1/savings/report", headers={**host_for(council.slug), **claimed})
    assert report.status_code == 401, report.text
    assert (await anonymous.get("/ops/savings/overview", headers=claimed)).status_code == 401


async def test_operator_pages_refuse_council_staff(
    anonymous: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    await dev_identity.ensure_council(CouncilOrganization(council.slug, council.name, (), True, ()))
    token = await staff_token(dev_identity, f"finance-{council.slug}@example.org", council.slug)
    response = await anonymous.get("/ops/savings/overview", headers=bearer(token))
    assert response.status_code == 403
