"""A Kingston resident drops a pin on the map (by mouse and by keyboard) and the pothole arrives with its
coordinates; without JavaScript the map is hidden and the typed description does the job. Every page
passes axe-core and the content-security policy (the map is a static script)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.places.files import load_boundary_files
from civicshare.places.service import set_boundary
from civicshare.settings import PROJECT_ROOT
from civicshare.transactions.tables import transactions
from tests.support import ServedPlatform, tenant_context_for
from tests.web.browsing import assert_accessible, council_url, submit, visit
from tests.web.conftest import shipped_councils

pytestmark = pytest.mark.browser
__all__ = ["shipped_councils"]
LOCATION = "/services/report-pothole/location"


@pytest.fixture
async def kingston_with_boundary(database: Database, shipped_councils: list[str]) -> str:
    boundary = load_boundary_files(PROJECT_ROOT / "tenants", ["kingston"])["kingston"]
    async with database.engine.begin() as connection:
        await set_boundary(connection, "kingston", boundary)
    return "kingston"


async def finish_pothole(page: Any, email: str) -> str:
    await page.get_by_label("Large").check()
    await page.get_by_label("Road").check()
    await submit(page, "Continue")
    assert await page.get_by_role("heading", level=1).inner_text() == "Add photos (optional)"
    await submit(page, "Continue")
    await page.get_by_label("What is your email address?").fill(email)
    await submit(page, "Continue")
    await submit(page, "Accept and send")
    reference: str = (await page.locator(".govuk-panel__body strong").inner_text()).strip()
    return reference


async def test_a_pothole_pinned_on_the_map_arrives_with_its_coordinates(
    page: Any, served: ServedPlatform, database: Database, kingston_with_boundary: str
) -> None:
    await visit(page, council_url(served, "kingston", LOCATION))
    await page.locator(".cs-map").wait_for(state="visible")
    await page.locator(".leaflet-overlay-pane path").first.wait_for()  # the boundary, on a plain background
    # No tiles in the demo: the council's streets are drawn and named instead.
    await page.locator(".cs-map__street-name", has_text="Clarence Street").wait_for()
    assert await page.locator("path.cs-map__street").count() >= 5
    assert "Streets: illustrative only" in await page.locator(".leaflet-control-attribution").inner_text()

    # By keyboard: a pin in the middle of the map, then moved with the arrow keys.
    await page.get_by_role("button", name="Put the pin in the middle of the map").focus()
    await page.keyboard.press("Enter")
    placed = float(await page.locator("#longitude").input_value())
    await page.get_by_title("The pin").focus()
    await page.keyboard.press("ArrowRight")
    moved = float(await page.locator("#longitude").input_value())
    assert moved > placed
    assert "The pin is at latitude" in await page.locator("[data-cs-map-status]").inner_text()

    # By mouse: a click on the map moves the pin there.
    canvas = page.locator(".cs-map__canvas")
    box = await canvas.bounding_box()
    await page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    latitude = float(await page.locator("#latitude").input_value())
    longitude = float(await page.locator("#longitude").input_value())
    assert (latitude, longitude) != (0.0, moved)
    await assert_accessible(page)

    await submit(page, "Continue")
    reference = await finish_pothole(page, "pinned@kingston.example")
    kingston = await tenant_context_for(database, "kingston")
    async with tenant_connection(database.engine, kingston) as connection:
        stored = (
            await connection.execute(
                select(transactions.c.latitude, transactions.c.longitude).where(transactions.c.reference == reference)
            )
        ).one()
    assert (round(float(stored.latitude), 5), round(float(stored.longitude), 5)) == (
        round(latitude, 5),
        round(longitude, 5),
    )


async def press(page: Any, button: str) -> None:
    """Press a form's button without JavaScript (axe-core needs it, so pages are not checked here)."""
    async with page.expect_navigation():
        await page.get_by_role("button", name=button).click()


async def test_without_javascript_the_map_is_hidden_and_the_description_does_the_job(
    browser: Any, served: ServedPlatform, database: Database, kingston_with_boundary: str
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(council_url(served, "kingston", LOCATION))
        assert not await page.locator(".cs-map").is_visible()
        await page.get_by_label("Describe the location").fill("Outside 3 Market Place")
        await press(page, "Continue")
        await page.get_by_label("Large").check()
        await page.get_by_label("Road").check()
        await press(page, "Continue")
        await press(page, "Continue")  # no photos: the form's photos page works without JavaScript too
        await page.get_by_label("What is your email address?").fill("typed@kingston.example")
        await press(page, "Continue")
        await press(page, "Accept and send")
        reference = (await page.locator(".govuk-panel__body strong").inner_text()).strip()
    finally:
        await context.close()
    kingston = await tenant_context_for(database, "kingston")
    async with tenant_connection(database.engine, kingston) as connection:
        stored = (
            await connection.execute(
                select(transactions.c.latitude, transactions.c.answers).where(transactions.c.reference == reference)
            )
        ).one()
    assert stored.latitude is None and stored.answers["location_description"] == "Outside 3 Market Place"


async def test_a_resident_finds_their_address_by_postcode_and_chooses_it_from_the_list(
    page: Any, served: ServedPlatform, kingston_with_boundary: str
) -> None:
    await visit(page, council_url(served, "kingston", "/services/report-missed-bin/address"))
    await assert_accessible(page)
    await page.get_by_label("Postcode").fill("kt1 1eu")
    await submit(page, "Find address")
    await assert_accessible(page)
    await page.get_by_label("Select an address").select_option(label="1, HIGH STREET, KINGSTON UPON THAMES, KT1 1EU")
    await submit(page, "Use this address")
    assert await page.get_by_role("heading", level=1).inner_text() == "Which bin was missed?"
