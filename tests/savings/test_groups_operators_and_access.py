"""Operators see every council side by side and each shared-service group with its platform cost shared
out; staff see only their own council, and the access seam refuses the wrong role."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
from litestar import Request

from civicshare.db.engine import Database
from civicshare.http.problems import Problem
from civicshare.savings.access import require_operator, require_staff
from civicshare.services import PlatformServices
from civicshare.settings import Mode, Settings
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import GroupDefinition
from civicshare.tenancy.service import apply_group
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.support import host_for

SPRING = {"from": "2024-03-01", "to": "2024-04-30"}
OPERATOR = {"X-Civicshare-Dev-Role": "platform-operator"}


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
    response = await http.get(f"/ops/savings/groups/{group}", params=SPRING, headers=OPERATOR)
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
    report = (await http.get(f"/ops/savings/groups/{group}", params=SPRING, headers=OPERATOR)).json()["report"]
    assert {m["council"]: m["platform_cost_share"] for m in report["members"]} == {
        east.slug: "4270.00",
        west.slug: "1830.00",
    }
    assert report["apportionment"] == "fixed_shares"


async def test_operators_see_every_council_side_by_side(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    _, east, west = await group_of_two(database, live_council)
    response = await http.get("/ops/savings/overview", params=SPRING, headers=OPERATOR)
    assert response.status_code == 200, response.text
    overview = response.json()
    councils = {summary["council"]: summary for summary in overview["councils"]}
    assert councils[east.slug]["figures"]["volume"] == 100
    assert councils[west.slug]["figures"]["volume"] == 300
    assert overview["totals"]["volume"] == sum(summary["figures"]["volume"] for summary in overview["councils"])
    page = await http.get("/ops/savings", params=SPRING, headers=OPERATOR)
    assert page.status_code == 200
    assert east.name in page.text and "Every council side by side" in page.text
    one = await http.get(f"/ops/savings/councils/{west.slug}/report", params=SPRING, headers=OPERATOR)
    assert one.json()["report"]["totals"]["volume"] == 300
    assert (await http.get("/ops/savings/councils/nowhere/report", headers=OPERATOR)).status_code == 404
    assert (await http.get("/ops/savings/groups/no-such-group", headers=OPERATOR)).status_code == 404


async def test_each_council_sees_only_its_own_figures(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    _, east, west = await group_of_two(database, live_council)
    mine = await http.get("/api/v1/savings/report", params=SPRING, headers=host_for(east.slug))
    assert mine.json()["report"]["totals"]["volume"] == 100
    by_path = await http.get(f"/t/{west.slug}/api/v1/savings/report", params=SPRING)
    assert by_path.json()["report"]["totals"]["volume"] == 300
    # A council's address never shows operator pages, whatever role the request claims.
    assert (await http.get("/ops/savings/overview", headers={**host_for(east.slug), **OPERATOR})).status_code == 404
    assert (await http.get(f"/ops/savings/groups/{east.group_slug}", headers=host_for(east.slug))).status_code == 404
    # And staff pages need a council.
    assert (await http.get("/api/v1/savings/report")).status_code == 404


@pytest.mark.parametrize(
    ("path", "role", "status"),
    [
        ("/api/v1/savings/report", "resident", 403),
        ("/api/v1/savings/report", "platform-operator", 403),
        ("/api/v1/savings/report", "council-admin", 200),
        ("/api/v1/savings/unit-costs", "resident", 403),
    ],
)
async def test_the_dev_role_header_must_fit_the_page(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, path: str, role: str, status: int
) -> None:
    council = await live_council()
    response = await http.get(path, headers={**host_for(council.slug), "X-Civicshare-Dev-Role": role})
    assert response.status_code == status


async def test_operator_pages_refuse_council_staff(http: httpx.AsyncClient) -> None:
    response = await http.get("/ops/savings/overview", headers={"X-Civicshare-Dev-Role": "council-staff"})
    assert response.status_code == 403


class _Headers:
    """A request that carries no token and no session cookie."""

    scope: dict[str, Any] = {"headers": []}
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}


async def test_production_asks_for_sign_in_before_savings_pages(settings: Settings) -> None:
    production = settings.model_copy(update={"mode": Mode.PRODUCTION})
    services = cast(PlatformServices, type("Services", (), {"settings": production})())
    request = cast(Request[object, object, Any], _Headers())
    council = cast(TenantContext, type("Council", (), {"name": "Test Council", "slug": "test"})())
    with pytest.raises(Problem) as refused:
        await require_staff(request, council, services)
    assert refused.value.status == 401
    with pytest.raises(Problem) as also_refused:
        await require_operator(request, None, services)
    assert also_refused.value.status == 401
