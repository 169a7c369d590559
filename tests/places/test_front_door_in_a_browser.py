"""At Surrey's front door: a pothole pinned on the area's map lands at Surrey County Council, and a missed bin
at an Esher address (postcode, then address) at Elmbridge Borough Council, each carried on at that council's
own site with the place already answered. Every page passes axe-core and the content-security policy."""

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
from tests.web.conftest import shipped_councils

pytestmark = pytest.mark.browser
__all__ = ["shipped_councils"]
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


async def choose(page: Any, front_door: str, service: str) -> None:
    await visit(page, front_door + "/")
    async with page.expect_navigation():
        await page.get_by_role("link", name=service).click()


async def on_to(page: Any, council: str) -> None:
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
    # A pin, by keyboard, in the middle of the map of the area's councils: outside Elmbridge, inside Surrey.
    await choose(page, surrey, "Report a pothole")
    await page.locator(".leaflet-overlay-pane path").first.wait_for()  # the area, on a plain background
    await page.get_by_role("button", name="Put the pin in the middle of the map").focus()
    await page.keyboard.press("Enter")
    latitude = float(await page.locator("#latitude").input_value())
    await submit(page, "Continue")
    await on_to(page, "Surrey County Council")
    assert page.url.startswith(f"http://surrey-county.localhost:{served.port}/services/report-pothole/details")
    await page.get_by_label("Large").check()
    await page.get_by_label("Road").check()
    await submit(page, "Continue")
    await submit(page, "Continue")  # no photos
    pothole = await send(page, "esher@example.org")
    assert pothole.startswith("SRY-")

    # A postcode, then the address (the way without JavaScript too).
    await choose(page, surrey, "Report a missed bin collection")
    await page.get_by_label("Where is it? Enter the postcode").fill("KT10 9SD")
    await submit(page, "Continue")
    await page.get_by_label(ESHER).check()
    await submit(page, "Continue")
    await on_to(page, "Elmbridge Borough Council")
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
    assert round(float(road.latitude), 5) == round(latitude, 5)
    district = await tenant_context_for(database, "elmbridge")
    async with tenant_connection(database.engine, district) as connection:
        bins = (
            await connection.execute(select(transactions.c.answers).where(transactions.c.reference == missed_bin))
        ).one()
    assert bins.answers["postcode"] == "KT10 9SD" and bins.answers["address_line"] == "CIVIC CENTRE, HIGH STREET, ESHER"
