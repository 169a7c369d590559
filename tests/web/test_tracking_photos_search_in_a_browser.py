"""Issue 17 items 4, 5, 6 and 8 in Chromium at Kingston and Newham: a resident adds a phone photo (HEIC)
inside the form, tracks what they reported, finds services by everyday words, and uses a 320 px screen.
Every page passes axe-core with no serious or critical finding and no content outside a landmark."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.support import ServedPlatform
from tests.web.browsing import assert_accessible, council_url, submit, visit
from tests.web.test_services_in_a_browser import reference_on_panel, track

pytestmark = pytest.mark.browser


def heic_photo() -> bytes:
    """A photo as an iPhone saves it: HEIC, larger than the platform keeps (2600 x 1950 pixels)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (2600, 1950), (90, 90, 90)).save(buffer, format="HEIF", quality=30)
    return buffer.getvalue()


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_a_phone_photo_added_in_the_form_shows_when_the_resident_tracks_the_report(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    await visit(page, council_url(served, slug, "/services/report-pothole/location"))
    await page.get_by_label("Describe the location").fill("Opposite 40 Station Road")
    await submit(page, "Continue")
    await page.get_by_label("Large").check()
    await page.get_by_label("Cycle lane").check()
    await submit(page, "Continue")

    assert await page.title() == f"Add photos (optional) \N{EN DASH} Report a pothole \N{EN DASH} {(await _name(page))}"
    # GOV.UK's file upload component, in its own styles (the stylesheet used to leave them out).
    upload_style = "element => [getComputedStyle(element).fontSize, getComputedStyle(element).marginLeft]"
    assert await page.locator("input.govuk-file-upload").evaluate(upload_style) == ["19px", "-5px"]
    upload = page.get_by_label("Upload a photo")
    await upload.set_input_files(files=[{"name": "bus.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}])
    await submit(page, "Continue", status=400)
    summary = page.locator(".govuk-error-summary")
    assert await summary.get_by_text("The selected file must be a JPG, PNG or HEIC").is_visible()
    await summary.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.id") in ("photos", "photos-input")

    await page.get_by_label("Upload a photo").set_input_files(
        files=[{"name": "IMG_0042.HEIC", "mimeType": "image/heic", "buffer": heic_photo()}]
    )
    await submit(page, "Continue")
    email = f"heic-{slug}@example.org"
    await page.get_by_label("What is your email address?").fill(email)
    await submit(page, "Continue")
    assert await page.locator(".govuk-summary-list__value", has_text="IMG_0042.jpg").is_visible()
    await submit(page, "Accept and send")
    reference = await reference_on_panel(page)
    assert await page.get_by_text("IMG_0042.jpg").is_visible()  # attached to the request as sent

    await track(page, served, slug, reference, email)
    assert (
        await page.title() == f"Your request {reference} \N{EN DASH} Report a pothole \N{EN DASH} {await _name(page)}"
    )
    tag = page.locator(".govuk-tag")
    assert await tag.inner_text() == "Received" and "govuk-tag--blue" in (await tag.get_attribute("class") or "")
    summary_text = await page.locator("main").inner_text()
    for shown in ("Opposite 40 Station Road", "How big is the pothole?", "Large", "Cycle lane", "Due by"):
        assert shown in summary_text, shown
    photo = page.locator(".cs-photos__image")
    await photo.scroll_into_view_if_needed()
    size = await photo.evaluate("image => image.complete ? [image.naturalWidth, image.naturalHeight] : null")
    assert size == [2048, 1536]  # converted from HEIC and made smaller on the way in


async def _name(page: Any) -> str:
    name: str = await page.locator(".cs-header__logo").get_attribute("alt") or ""
    return name


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_a_resident_finds_services_by_the_words_they_use(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    await visit(page, council_url(served, slug))
    search = page.get_by_label("Search services")
    await search.fill("potholes")  # filtered as they type
    assert await page.locator("[data-cs-service]:visible").all_inner_texts() == ["Report a pothole"]
    await search.fill("bin")
    visible = await page.locator("[data-cs-service]:visible").all_inner_texts()
    assert "Report a missed bin collection" in visible and "Report a pothole" not in visible

    await search.fill("rubbish bins")
    await submit(page, "Search")
    results = await page.locator("main .govuk-list a").all_inner_texts()
    assert "Order a new or replacement bin" in results and "Report a missed bin collection" in results
    assert (
        await page.get_by_role("heading", level=2).first.inner_text()
        == f"{len(results)} services found for \N{LEFT SINGLE QUOTATION MARK}rubbish bins"
        "\N{RIGHT SINGLE QUOTATION MARK}"
    )


@pytest.mark.parametrize("slug", ["kingston", "newham"])
async def test_on_a_320_pixel_screen_the_list_of_services_is_in_reach(
    page: Any, served: ServedPlatform, shipped_councils: list[str], slug: str
) -> None:
    await page.set_viewport_size({"width": 320, "height": 640})
    await visit(page, council_url(served, slug))
    shortcuts = await page.locator(".cs-shortcuts").bounding_box()
    assert shortcuts is not None and shortcuts["height"] < 480, shortcuts  # two columns of titles
    assert await page.locator(".cs-shortcut__summary").first.is_hidden()
    all_services = await page.get_by_role("heading", name="All services").bounding_box()
    assert all_services is not None and all_services["y"] < 2 * 640
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320  # nothing wider than the screen
    await page.get_by_role("link", name="Report a pothole").first.click()
    await page.wait_for_load_state()
    await assert_accessible(page)
