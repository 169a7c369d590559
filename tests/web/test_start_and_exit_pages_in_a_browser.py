"""Residents of Kingston and Newham read what a service is before they start, are stopped kindly when
their answers rule them out, pay a penalty charge at its discounted price, and find each council's
contact page and accessibility statement. Every page passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicshare.modules import add_working_days, uk_today
from tests.support import ServedPlatform
from tests.web.browsing import assert_accessible, council_url, submit, visit

pytestmark = pytest.mark.browser

NAMES = {"kingston": "Royal Borough of Kingston upon Thames", "newham": "London Borough of Newham"}
PHONES = {"kingston": "020 7946 0100", "newham": "020 7946 0200"}
ACCOUNTS = {"kingston": "5001234567", "newham": "12345678"}  # each council's own account number shape


async def heading(page: Any) -> str:
    text: str = await page.get_by_role("heading", level=1).inner_text()
    return text


async def main_text(page: Any) -> str:
    text: str = await page.locator("main").inner_text()
    return text


async def fill_date(page: Any, name: str, day: Any) -> None:
    await page.locator(f"#{name}-day").fill(str(day.day))
    await page.locator(f"#{name}-month").fill(str(day.month))
    await page.locator(f"#{name}-year").fill(str(day.year))


@pytest.mark.parametrize(("slug", "per_bin", "penalty"), [("kingston", "£50", "£70"), ("newham", "£65", "£130")])
async def test_start_pages_say_what_the_service_costs_needs_and_takes_and_the_other_ways_to_do_it(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str, per_bin: str, penalty: str
) -> None:
    await visit(page, council_url(served, slug, "/services/garden-waste-subscription"))
    text = await main_text(page)
    assert "Pay for a year of fortnightly garden waste collections." in text
    assert f"It costs {per_bin} a bin for a year." in text
    assert "There is a fee" not in text
    assert await page.get_by_role("heading", name="Before you start").is_visible()
    assert "how many garden waste bins you want" in text
    assert "We will deal with your request within 10 working days." in text
    assert await page.get_by_role("heading", name="Other ways to do this").is_visible()
    assert PHONES[slug] in text and "In person" in text

    # Paying what is owed is a payment, never "a fee".
    await visit(page, council_url(served, slug, "/services/pay-council-tax"))
    text = await main_text(page)
    assert "fee" not in text.lower()
    assert "your council tax account number, from the top of your bill" in text
    await visit(page, council_url(served, slug, "/services/pay-penalty-charge"))
    text = await main_text(page)
    assert "fee" not in text.lower()
    assert f"The amount to pay is {penalty}." in text
    assert "if you pay within 14 days of the date the notice was issued" in text


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_another_adult_at_home_ends_a_single_person_discount_on_an_exit_page(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    await visit(page, council_url(served, slug, "/services/single-person-discount"))
    await page.get_by_role("button", name="Start now").click()
    await page.wait_for_load_state()
    await page.get_by_label("Council tax account number").fill(ACCOUNTS[slug])
    await submit(page, "Continue")
    await fill_date(page, "living_alone_since", uk_today().replace(day=1))
    await page.locator("input[name=other_adults][value=yes]").check()
    await submit(page, "Continue")
    await page.locator("input[name=other_adult_status][value=none]").check()
    await submit(page, "Continue")

    assert await heading(page) == "You cannot get a single person discount"
    assert page.url.endswith("/services/single-person-discount/not-eligible/another-adult")
    assert await page.get_by_role("heading", name="What you can do instead").is_visible()
    # Nothing was sent: going on to check your answers brings the resident back here.
    await visit(page, council_url(served, slug, "/services/single-person-discount/check"))
    assert await heading(page) == "You cannot get a single person discount"

    # A full-time student is not counted: changing the answer lets the resident go on.
    await page.get_by_role("link", name="change your answer").click()
    await page.wait_for_load_state()
    await page.locator("input[name=other_adult_status][value=full_time_student]").check()
    await submit(page, "Continue")
    assert await page.get_by_label("What is your email address?").is_visible()


@pytest.mark.parametrize(
    ("slug", "outside", "inside"),
    [
        ("kingston", ("1 Acacia Avenue", "KT21 5AB"), ("4 Fairfield Road", "KT1 2PT")),
        ("newham", ("1 Acacia Avenue", "E15 1AA"), ("12 Barking Road", "E16 4HQ")),
    ],
)
async def test_a_permit_needs_an_address_in_a_zone_and_a_start_after_the_councils_decision(
    page: Any,
    served: ServedPlatform,
    shipped_councils: list[str],
    slug: str,
    outside: tuple[str, str],
    inside: tuple[str, str],
) -> None:
    await visit(page, council_url(served, slug, "/services/resident-parking-permit"))
    assert "proof that you live at the address" in await main_text(page)
    await page.get_by_role("button", name="Start now").click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="Enter the address manually").click()
    await page.wait_for_load_state()
    await page.get_by_label("Building and street").fill(outside[0])
    await page.get_by_label("Postcode").fill(outside[1])
    await submit(page, "Continue")
    assert await heading(page) == "You cannot get a resident parking permit for this address"

    await page.get_by_role("link", name="change your answer").click()
    await page.wait_for_load_state()
    await page.get_by_label("Building and street").fill(inside[0])
    await page.get_by_label("Postcode").fill(inside[1])
    await submit(page, "Continue")
    await page.get_by_label("Vehicle registration number").fill("AB12 CDE")
    await submit(page, "Continue")

    await page.locator("select[name=zone], input[name=zone]").first.wait_for()
    zone = page.locator("select[name=zone]")
    if await zone.count():
        await zone.select_option(index=1)
    else:
        await page.locator("input[name=zone]").first.check()
    decided_by = add_working_days(uk_today(), 5)
    await fill_date(page, "start_date", add_working_days(uk_today(), 1))
    await submit(page, "Continue", status=400)
    message = f"Start date must be on or after {decided_by.day} {decided_by:%B %Y}, when we will have decided"
    summary = page.locator(".govuk-error-summary")
    assert message in await summary.inner_text()
    assert await summary.get_by_role("link").get_attribute("href") == "#start_date-day"

    await fill_date(page, "start_date", decided_by)
    await submit(page, "Continue")

    # Proof of residency, asked for inside the form (required: the application cannot go on without it).
    assert await page.get_by_role("heading", level=1).inner_text() == "Upload proof that you live at the address"
    await assert_accessible(page)
    await submit(page, "Continue", status=400)
    await page.get_by_label("Upload a document").set_input_files(
        files=[{"name": "council-tax-bill.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 bill"}]
    )
    await submit(page, "Continue")
    await page.get_by_label("What is your email address?").fill(f"permit@{slug}.example")
    await submit(page, "Continue")
    await submit(page, "Continue to payment")
    await page.get_by_label("Card number").fill("4444 3333 2222 1111")
    async with page.expect_navigation():
        await page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    await visit(page, page.url)
    assert await page.locator(".govuk-panel__title").inner_text() == "Payment received"


@pytest.mark.parametrize(("slug", "discounted"), [("kingston", "£35"), ("newham", "£65")])
async def test_a_penalty_charge_is_looked_up_and_paid_at_half_price_within_14_days(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str, discounted: str
) -> None:
    await visit(page, council_url(served, slug, "/services/pay-penalty-charge/notice"))
    await page.get_by_label("Penalty charge notice number").fill("KN12345678")
    await page.get_by_label("Vehicle registration number").fill("AB12 CDE")
    await submit(page, "Continue", status=400)
    assert "No penalty charge notice matches that number" in await page.locator(".govuk-error-summary").inner_text()

    await page.get_by_label("Penalty charge notice number").fill("DM00000001")  # a demo notice, 3 days old
    await submit(page, "Continue")
    await page.get_by_label("What is your email address?").fill(f"pcn@{slug}.example")
    await submit(page, "Continue")
    text = await main_text(page)
    assert f"The amount to pay is {discounted}." in text
    assert "fee" not in text.lower()


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_every_page_links_to_the_councils_contact_page_and_its_accessibility_statement(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    name = NAMES[slug]
    await visit(page, council_url(served, slug, "/services/report-pothole"))
    await page.locator("footer").get_by_role("link", name="Contact us").click()
    await page.wait_for_load_state()
    assert page.url == council_url(served, slug, "/contact")
    await visit(page, page.url)
    assert await heading(page) == f"Contact {name}"
    text = await main_text(page)
    assert PHONES[slug] in text and "Opening hours" in text
    assert await page.locator(".govuk-warning-text").get_by_text("at any time, day or night").is_visible()

    await page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    await page.wait_for_load_state()
    await visit(page, page.url)
    text = await main_text(page)
    assert "Enforcement procedure" in text and "Equality and Human Rights Commission (EHRC)" in text
    assert "Preparation of this accessibility statement" in text
    if slug == "kingston":
        assert "This website is fully compliant" in text
        assert "This statement was prepared on 23 September 2026. It was last reviewed on 30 November 2026." in text
    else:
        assert "This website is partially compliant" in text
        assert await page.get_by_role("heading", name="Non-accessible content").is_visible()
        assert "PDF guidance linked from some services is not tagged" in text
