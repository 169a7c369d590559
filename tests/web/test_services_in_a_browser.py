"""Residents of Kingston and Newham report a pothole, subscribe to garden waste and pay (sandbox),
then track what they sent, each council in its own colours. Every page passes axe-core."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import ServedPlatform, photo_png
from tests.web.browsing import council_url, header_colour, rgb, submit, visit

pytestmark = pytest.mark.browser

COLOURS = {"kingston": "#0b4b8a", "newham": "#00594f"}
PREFIXES = {"kingston": "KNG", "newham": "NWM"}
PNG = photo_png()


async def reference_on_panel(page: Any) -> str:
    reference: str = (await page.locator(".govuk-panel__body strong").inner_text()).strip()
    return reference


async def track(page: Any, served: ServedPlatform, slug: str, reference: str, email: str) -> None:
    await visit(page, council_url(served, slug, "/track"))
    await page.get_by_label("Reference").fill(reference)
    await page.get_by_label("Email address").fill(email)
    await submit(page, "Find my request")
    assert await page.get_by_role("heading", level=1).inner_text() == f"Request {reference}"


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_a_resident_reports_a_pothole_and_tracks_it(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    await visit(page, council_url(served, slug))
    assert await page.locator(".cs-shortcut").count() == 6
    await page.get_by_role("link", name="Report a pothole").first.click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Report a pothole"
    await page.get_by_role("button", name="Start now").click()
    await page.wait_for_load_state()

    await page.get_by_label("Describe the location").fill("Outside 12 High Street, by the bus stop")
    await submit(page, "Continue")
    await page.get_by_label("Large").check()
    await page.get_by_label("Road").check()
    await page.get_by_label("Anything else we should know (optional)").fill("About 30cm across")
    await submit(page, "Continue")
    assert await page.get_by_role("heading", level=1).inner_text() == "Add photos (optional)"
    await submit(page, "Continue")  # none yet: this resident adds one after sending
    email = f"pothole@{slug}.example"
    await page.get_by_label("What is your email address?").fill(email)
    await submit(page, "Continue")

    assert await page.get_by_role("heading", level=1).inner_text() == "Check your answers before sending your request"
    assert await page.get_by_text("Outside 12 High Street, by the bus stop").is_visible()
    # Change an answer and come straight back to check your answers.
    await page.get_by_role("link", name="Change how big is the pothole").click()
    await page.wait_for_load_state()
    await page.get_by_label("Medium").check()
    await submit(page, "Continue")
    assert await page.get_by_role("heading", level=1).inner_text() == "Check your answers before sending your request"
    assert await page.locator(".govuk-summary-list__value", has_text="Medium").is_visible()

    await submit(page, "Accept and send")
    assert await page.locator(".govuk-panel__title").inner_text() == "Request complete"
    reference = await reference_on_panel(page)
    assert reference.startswith(PREFIXES[slug] + "-")
    assert await page.get_by_text("We will deal with it by").is_visible()
    assert await header_colour(page) == rgb(COLOURS[slug])

    # A photo of it, added on the confirmation page; a file that is not a photo is refused first.
    upload = page.get_by_label("Upload a photo")
    await upload.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"}])
    await submit(page, "Add photos", status=400)
    assert (
        await page.locator(".govuk-error-summary")
        .get_by_text("The selected file must be a JPG, PNG or HEIC")
        .is_visible()
    )
    await upload.set_input_files(files=[{"name": "pothole.png", "mimeType": "image/png", "buffer": PNG}])
    await submit(page, "Add photos")
    assert await page.get_by_text("pothole.png").is_visible()
    assert await page.get_by_label("Upload another photo").is_visible()

    # The optional feedback question: sent without an answer, it says so; answered, it thanks them.
    await submit(page, "Send feedback", status=400)
    assert await page.locator(".govuk-error-summary").get_by_text("Select how you felt about the service").is_visible()
    await page.get_by_label("Satisfied", exact=True).check()
    await page.get_by_label("How could we improve this service? (optional)").fill("Clear, thank you")
    await submit(page, "Send feedback")
    assert await page.get_by_text("Thank you for your feedback").is_visible()

    await track(page, served, slug, reference, email)
    assert await page.get_by_text("Report a pothole").first.is_visible()
    assert await page.locator(".govuk-tag").inner_text() == "Received"


@pytest.mark.parametrize(("slug", "price"), [("kingston", "£100"), ("newham", "£130")])
async def test_a_resident_subscribes_to_garden_waste_and_pays_in_the_sandbox(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str, price: str
) -> None:
    await visit(page, council_url(served, slug, "/services/garden-waste-subscription"))
    await page.get_by_role("button", name="Start now").click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="Enter the address manually").click()
    await page.wait_for_load_state()
    await page.get_by_label("Building and street").fill("1 Acacia Avenue")
    await page.get_by_label("Postcode").fill("e15 1aa")
    await submit(page, "Continue")
    await page.get_by_label("How many garden waste bins do you want?").fill("2")
    start = date.today() + timedelta(days=14)
    await page.get_by_label("Day").fill(str(start.day))
    await page.get_by_label("Month").fill(str(start.month))
    await page.get_by_label("Year").fill(str(start.year))
    await submit(page, "Continue")
    email = f"garden@{slug}.example"
    await page.get_by_label("What is your email address?").fill(email)
    await submit(page, "Continue")
    assert await page.get_by_text(f"The fee is {price}").is_visible()
    assert await page.get_by_text("E15 1AA").is_visible()

    await submit(page, "Continue to payment")
    assert await page.get_by_text("This is a sandbox payment page").is_visible()
    await page.get_by_label("Card number").fill("4000 0000 0000 0002")
    await submit(page, f"Pay {price}", status=402)
    assert await page.get_by_role("heading", level=1).inner_text() == "Your payment was declined"
    await submit(page, "Try paying again")
    await page.get_by_label("Card number").fill("4444 3333 2222 1111")
    await submit(page, f"Pay {price}")
    assert await page.locator(".govuk-panel__title").inner_text() == "Payment received"
    reference = await reference_on_panel(page)
    assert await header_colour(page) == rgb(COLOURS[slug])

    await track(page, served, slug, reference, email)
    assert await page.get_by_text(f"{price}.00 (Paid)").is_visible()
    assert await page.locator(".govuk-tag").inner_text() == "Received"  # the workflow's words: paid, so received


async def test_a_step_left_blank_shows_each_error_and_keeps_the_answers(
    page: Any, served: ServedPlatform, shipped_councils: list[str]
) -> None:
    await visit(page, council_url(served, "newham", "/services/garden-waste-subscription/address?manual=1"))
    await page.get_by_label("Building and street").fill("1 Acacia Avenue")
    await page.get_by_label("Postcode").fill("not a postcode")
    await submit(page, "Continue", status=400)
    summary = page.locator(".govuk-error-summary")
    assert await summary.get_by_role("link", name="Enter a full UK postcode, like AA3 1AB").is_visible()
    assert await page.get_by_label("Building and street").input_value() == "1 Acacia Avenue"
    await summary.get_by_role("link", name="Enter a full UK postcode, like AA3 1AB").click()
    assert await page.evaluate("document.activeElement.id") == "postcode"

    await page.get_by_label("Postcode").fill("E15 1AA")
    await submit(page, "Continue")
    await page.get_by_label("How many garden waste bins do you want?").fill("9")
    await page.get_by_label("Day").fill("31")
    await page.get_by_label("Month").fill("2")
    await page.get_by_label("Year").fill("2030")
    await submit(page, "Continue", status=400)
    # Newham shares its waste settings with its east London group: two bins at most.
    assert await summary.get_by_role("link", name="You can have up to 2 garden waste bins").is_visible()
    assert await summary.get_by_role("link", name="Start date must be a real date").is_visible()
    assert await page.get_by_label("Day").input_value() == "31"
