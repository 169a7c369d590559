"""An Esher resident at Surrey's front door: a pothole at their address lands at Surrey County Council and
a missed bin at the same address at Elmbridge Borough Council, each carried on at that council's own
site with the place already answered. Every page passes axe-core and the content-security policy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.places.files import load_boundary_files
from civicshare.places.front_door_files import sync_front_doors
from civicshare.places.service import set_boundary
from civicshare.settings import PROJECT_ROOT
from civicshare.transactions.tables import transactions
from tests.support import ServedPlatform, tenant_context_for
from tests.web.browsing import submit, visit
from tests.web.conftest import browser, page, shipped_councils

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "shipped_councils"]
ESHER = "CIVIC CENTRE, HIGH STREET, ESHER, KT10 9SD"


@pytest.fixture
async def surrey(database: Database, served: ServedPlatform, shipped_councils: list[str]) -> str:
    """Surrey's two demo councils with their boundaries, and the front door of tenants/front-doors/."""
    tenants_dir = PROJECT_ROOT / "tenants"
    boundaries = load_boundary_files(tenants_dir, ["surrey-county", "elmbridge"])
    async with database.engine.begin() as connection:
        for slug, boundary in boundaries.items():
            await set_boundary(connection, slug, boundary)
    await sync_front_doors(database.engine, tenants_dir, served.services.registry)
    return f"http://surrey.localhost:{served.port}"


async def to_the_council(page: Any, front_door: str, service: str, council: str) -> None:
    """From the front door's home page: the service, the postcode, the address, then on to the council."""
    await visit(page, front_door + "/")
    async with page.expect_navigation():
        await page.get_by_role("link", name=service).click()
    await page.get_by_label("Where is it? Enter the postcode").fill("KT10 9SD")
    await submit(page, "Continue")
    await page.get_by_label(ESHER).check()
    await submit(page, "Continue")
    assert await page.get_by_role("heading", level=1).inner_text() == f"{council} deals with this at this place"
    await submit(page, f"Continue to {council}")


async def send(page: Any, email: str) -> str:
    await page.get_by_label("What is your email address?").fill(email)
    await submit(page, "Continue")
    await submit(page, "Accept and send")
    reference: str = (await page.locator(".govuk-panel__body strong").inner_text()).strip()
    return reference


async def test_a_pothole_by_place_lands_at_the_county_and_a_missed_bin_at_the_district(
    page: Any, served: ServedPlatform, database: Database, surrey: str
) -> None:
    await to_the_council(page, surrey, "Report a pothole", "Surrey County Council")
    assert page.url.startswith(f"http://surrey-county.localhost:{served.port}/services/report-pothole/details")
    await page.get_by_label("Large").check()
    await page.get_by_label("Road").check()
    await submit(page, "Continue")
    await submit(page, "Continue")  # no photos
    pothole = await send(page, "esher@example.org")
    assert pothole.startswith("SRY-")

    await to_the_council(page, surrey, "Report a missed bin collection", "Elmbridge Borough Council")
    assert page.url.startswith(f"http://elmbridge.localhost:{served.port}/services/report-missed-bin/bin")
    await page.get_by_label("Recycling").check()
    today = uk_today()
    await page.get_by_label("Day").fill(str(today.day))
    await page.get_by_label("Month").fill(str(today.month))
    await page.get_by_label("Year").fill(str(today.year))
    await submit(page, "Continue")
    missed_bin = await send(page, "esher@example.org")
    assert missed_bin.startswith("ELM-")

    county = await tenant_context_for(database, "surrey-county")
    async with tenant_connection(database.engine, county) as connection:
        road = (
            await connection.execute(select(transactions.c.latitude).where(transactions.c.reference == pothole))
        ).one()
    assert float(road.latitude) == 51.3695
    district = await tenant_context_for(database, "elmbridge")
    async with tenant_connection(database.engine, district) as connection:
        bins = (
            await connection.execute(select(transactions.c.answers).where(transactions.c.reference == missed_bin))
        ).one()
    assert bins.answers["postcode"] == "KT10 9SD" and bins.answers["address_line"] == "CIVIC CENTRE, HIGH STREET, ESHER"
