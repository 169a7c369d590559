"""Ama pins a pothole a few metres from one a neighbour has already reported: check your answers lists it
under "Reports near this place", and she follows it with the keyboard instead of sending her own. Every
page passes axe-core and the content-security policy."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from civicshare.db.engine import Database
from tests.auth.conftest import CouncilWithOrganization
from tests.staff.test_back_office_pages import HIGHWAYS
from tests.support import ServedPlatform, host_for
from tests.web.browsing import assert_accessible, council_url, submit, visit

from .conftest import give_boundary, square
from .test_nearby_reports import METRE_NORTH, pothole_count

pytestmark = pytest.mark.browser


async def test_a_resident_pins_a_pothole_next_to_an_open_one_sees_it_and_follows_it_instead(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    database: Database,
) -> None:
    slug = await council(**HIGHWAYS)
    await give_boundary(operator, slug, square(-1.60, 52.30))
    await visit(page, council_url(served, slug, "/services/report-pothole/location"))
    await page.locator(".cs-map").wait_for(state="visible")
    await page.get_by_role("button", name="Put the pin in the middle of the map").focus()
    await page.keyboard.press("Enter")
    latitude = float(await page.locator("#latitude").input_value())
    longitude = float(await page.locator("#longitude").input_value())

    # A neighbour reported a pothole 12 metres north of where Ama's pin is.
    existing = {"latitude": round(latitude + 12 * METRE_NORTH, 6), "longitude": round(longitude, 6)}
    reported = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": existing | {"size": "large", "on": "road"},
            "channel": "web",
            "contact_email": "n@example.org",
        },
        headers=host_for(slug),
    )
    assert reported.status_code == 201, reported.text
    reference = reported.json()["reference"]

    await submit(page, "Continue")
    await page.get_by_label("Small").check()
    await page.get_by_label("Road").check()
    await submit(page, "Continue")
    await submit(page, "Continue")  # no photos
    await page.get_by_label("What is your email address?").fill("ama@example.org")
    await submit(page, "Continue")

    section = page.locator("#nearby")
    assert await section.get_by_role("heading", name="Reports near this place").is_visible()
    words = await section.inner_text()
    assert "About 12 metres north of your pin" in words and "Received" in words
    assert reference not in await page.content()

    follow = page.get_by_role("button", name=re.compile("Follow this report instead"))
    await follow.focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.get_by_role("heading", level=1).inner_text() == "You are following this report"
    assert "ama@example.org" in await page.locator("main").inner_text()
    await assert_accessible(page)
    assert await pothole_count(database, slug) == 1  # Ama's own report was not sent
