"""Residents of Kingston and Newham use their councils' websites in a real browser (Chromium).

Every page a test opens is scanned with axe-core: no serious or critical violations.
"""

from __future__ import annotations

from typing import Any

import pytest

from civicshare.db.engine import Database
from tests.support import ServedPlatform, record_transaction
from tests.web.browsing import assert_accessible, council_url, header_colour, rgb, submit, visit

pytestmark = pytest.mark.browser

BRANDS = {
    "kingston": ("Royal Borough of Kingston upon Thames", "#0b4b8a"),
    "newham": ("London Borough of Newham", "#00594f"),
}


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_each_council_home_page_wears_its_own_brand(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    name, colour = BRANDS[slug]
    await visit(page, council_url(served, slug))
    assert await page.title() == f"Online services \N{EN DASH} {name}"
    header = page.locator(".cs-header")
    # The logo names the council: once, not beside its name written out again.
    assert await header.get_by_role("img", name=name).is_visible()
    assert await header.locator("img").count() == 1 and await header.get_by_text(name).count() == 0
    assert await header_colour(page) == rgb(colour)
    logo = page.locator(".cs-header__logo")
    assert await logo.evaluate("image => image.complete && image.naturalWidth > 0")
    # No Crown, no GOV.UK logotype, no GDS Transport typeface on a council's site.
    assert await page.locator(".govuk-header, .govuk-header__logotype").count() == 0
    assert "GDS Transport" not in await page.evaluate("getComputedStyle(document.body).fontFamily")


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_the_information_pages_are_in_the_councils_brand(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    name, colour = BRANDS[slug]
    for path, heading in [
        ("/accessibility", f"Accessibility statement for the online services of {name}"),
        ("/contact", f"Contact {name}"),
        ("/cookies", "Cookies"),
        ("/privacy", "Privacy notice"),
    ]:
        await visit(page, council_url(served, slug, path))
        assert await page.get_by_role("heading", level=1).inner_text() == heading
        assert await header_colour(page) == rgb(colour)
    await page.get_by_role("link", name="Accessibility statement").click()
    assert page.url == council_url(served, slug, "/accessibility")


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_a_missing_page_is_a_helpful_404_in_the_councils_brand(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    name, colour = BRANDS[slug]
    await visit(page, council_url(served, slug, "/no-such-page"), status=404)
    assert await page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert await header_colour(page) == rgb(colour)
    await page.get_by_role("link", name=f"find all online services from {name}").click()
    assert page.url == council_url(served, slug, "/")


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_a_resident_tracks_their_request_with_reference_and_email(
    page: Any, served: ServedPlatform, database: Database, shipped_councils: list[str], slug: str
) -> None:
    reference = await record_transaction(database, slug, f"tracker@{slug}.example")
    await visit(page, council_url(served, slug))
    await page.get_by_role("link", name="Track a request", exact=True).click()
    await page.get_by_label("Reference").fill(reference.lower().replace("-", " "))
    await page.get_by_label("Email address").fill(f"Tracker@{slug}.example")
    await submit(page, "Find my request")
    assert await page.get_by_role("heading", level=1).inner_text() == f"Request {reference}"
    assert await page.get_by_text("Received", exact=True).first.is_visible()
    assert await header_colour(page) == rgb(BRANDS[slug][1])


async def test_a_wrong_email_and_an_empty_form_show_the_gov_uk_error_pattern(
    page: Any, served: ServedPlatform, database: Database, shipped_councils: list[str]
) -> None:
    reference = await record_transaction(database, "newham", "owner@newham.example")
    await visit(page, council_url(served, "newham", "/track"))
    await submit(page, "Find my request", status=400)
    assert (await page.title()).startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert await summary.get_by_role("link", name="Enter your reference").is_visible()
    assert await summary.get_by_role("link", name="Enter your email address").is_visible()
    assert await page.locator("#reference-error").text_content() == "Error: Enter your reference"
    # The summary links move focus to the field it names.
    await summary.get_by_role("link", name="Enter your email address").click()
    assert await page.evaluate("document.activeElement.id") == "email"

    await page.get_by_label("Reference").fill(reference)
    await page.get_by_label("Email address").fill("not-an-email")
    await submit(page, "Find my request", status=400)
    assert await page.get_by_label("Reference").input_value() == reference  # answers are kept
    assert await page.get_by_label("Email address").input_value() == "not-an-email"
    assert await page.locator("#email-error").is_visible()

    await page.get_by_label("Email address").fill("someone-else@newham.example")
    await submit(page, "Find my request", status=400)
    assert await page.locator(".govuk-error-summary").get_by_text("No request matches").is_visible()


async def test_pages_fit_a_320_pixel_wide_phone(
    browser: Any, served: ServedPlatform, shipped_councils: list[str]
) -> None:
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    try:
        for slug in ("kingston", "newham"):
            for path in ("/", "/track", "/accessibility", "/auth/sign-in", "/missing"):
                await visit(page, council_url(served, slug, path), status=404 if path == "/missing" else 200)
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 320, f"{page.url} scrolls sideways: {width}px wide"
            # The menu collapses behind a button on a small screen and opens on demand.
            toggle = page.get_by_role("button", name="Menu")
            await visit(page, council_url(served, slug, "/"))
            if await toggle.is_visible():
                await toggle.click()
            assert await page.get_by_role("link", name="Track a request", exact=True).is_visible()
    finally:
        await context.close()


async def test_the_site_works_without_javascript(
    browser: Any, served: ServedPlatform, database: Database, shipped_councils: list[str]
) -> None:
    reference = await record_transaction(database, "kingston", "no-js@kingston.example")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(council_url(served, "kingston", "/track"))
        await page.get_by_label("Reference").fill(reference)
        await page.get_by_label("Email address").fill("no-js@kingston.example")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Find my request").click()
        assert await page.get_by_role("heading", level=1).inner_text() == f"Request {reference}"
    finally:
        await context.close()


async def test_a_signed_in_resident_sees_their_requests_at_every_council(
    page: Any, served: ServedPlatform, database: Database, shipped_councils: list[str]
) -> None:
    await visit(page, council_url(served, "newham", "/track"))
    # Identity's sign-in, here the dev identity's people.
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert await header_colour(page) == rgb("#00594f")  # in the council's own colours
    await assert_accessible(page)
    await submit(page, "Sign in as Rosa Resident")
    assert page.url == council_url(served, "newham", "/track")  # back where they started
    await page.get_by_role("link", name="My requests").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "My requests"
    assert await page.get_by_text("rosa.resident@example.org").is_visible()
    await submit(page, "Sign out")
    assert await page.get_by_role("link", name="Sign in", exact=True).is_visible()
    assert not await page.get_by_role("link", name="My requests").is_visible()


async def test_signing_in_at_one_council_signs_the_resident_in_at_the_next_and_out_of_both(
    page: Any, served: ServedPlatform, shipped_councils: list[str]
) -> None:
    """The demo's dev identity behaves as Keycloak does: one sign-in for every council's site."""
    await visit(page, council_url(served, "kingston"))
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    await submit(page, "Sign in as Rosa Resident")
    assert page.url == council_url(served, "kingston")

    await visit(page, council_url(served, "newham", "/track"))
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert page.url == council_url(served, "newham", "/track")  # no page of people to choose from
    assert await page.get_by_role("link", name="My requests").is_visible()
    await assert_accessible(page)

    await submit(page, "Sign out")
    await visit(page, council_url(served, "kingston"))
    assert await page.get_by_role("link", name="Sign in", exact=True).is_visible()
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Sign in"  # asked again
