"""An officer's day in a real browser (Chromium), every page checked with axe-core: sign in, find the
overdue pothole at the top of the queue, open it and see the resident's photo, take it on, add an internal
note, and resolve it with the council's response template; the resident reads the decision, never the
note. The queue and the request page work from the keyboard alone and on a 320-pixel-wide phone."""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.modules.working_days import uk_today
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.support import ServedPlatform, host_for
from tests.web.browsing import assert_accessible, submit, visit

from .test_assisted_digital import live_council_of_our_own
from .test_back_office_pages import BROWSER, HIGHWAYS, make_overdue, officer_of, report_pothole

pytestmark = pytest.mark.browser


def png(width: int = 40, height: int = 30) -> bytes:
    """A real (tiny, grey) PNG a browser can draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def report_with_photo(http: httpx.AsyncClient, slug: str, email: str) -> str:
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {"latitude": "51.41", "longitude": "-0.30", "size": "large", "on": "road"},
            "channel": "web",
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    upload = answer.json()["upload"]
    stored = await http.post(
        upload["href"],
        files={"files": ("pothole.png", png(), "image/png")},
        headers={**host_for(slug), "X-Upload-Token": upload["token"]},
    )
    assert stored.status_code == 201, stored.text
    return str(answer.json()["reference"])


async def add_template(http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str) -> None:
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    form = await http.get("/staff/responses/new", headers=admin)
    token = CSRF_INPUT.search(form.text)
    assert token is not None
    saved = await http.post(
        "/staff/responses/new",
        data={
            "service": "report-pothole",
            "title": "Pothole filled",
            "body": "Our highways team filled the pothole. Thank you for reporting it.",
            "csrf_token": token[1],
        },
        headers=admin,
    )
    assert saved.status_code == 303


async def sign_in(page: Any, base: str, name: str) -> None:
    await visit(page, f"{base}/dev-identity/sign-in?next=/")
    await submit(page, f"Sign in as {name}")


async def test_an_officer_resolves_the_overdue_pothole_with_a_template(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
) -> None:
    slug = await council(**HIGHWAYS)
    await report_pothole(http, slug, "ravi@example.org", size="small")
    overdue = await report_with_photo(http, slug, "grace@example.org")
    await make_overdue(database, slug, overdue)
    await add_template(http, dev_identity, slug)
    name = f"olive{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_STAFF)
    base = f"http://{slug}.localhost:{served.port}"

    await sign_in(page, base, name)
    assert page.url == f"{base}/staff"
    await page.get_by_role("link", name="Requests", exact=True).click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    first_row = page.locator("tbody tr").first
    assert await first_row.get_by_role("link").inner_text() == overdue
    assert "Overdue by" in await first_row.inner_text()

    await first_row.get_by_role("link", name=overdue).click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    photo = page.get_by_role("img", name="Photo 1 sent by the resident (pothole.png)")
    assert await photo.evaluate("image => image.complete && image.naturalWidth === 40")

    await submit(page, "Assign to me")
    assert "Assignment saved" in await page.locator(".govuk-notification-banner").inner_text()
    await page.get_by_label("Add an internal note").fill("Gang 4 can fill it on Thursday")
    await submit(page, "Add note")
    await page.get_by_label("Fixed").check()
    await page.get_by_label("Use a response template").select_option(label="Pothole filled")
    assert await page.get_by_label("Reason", exact=True).input_value() == (
        "Our highways team filled the pothole. Thank you for reporting it."
    )
    await page.get_by_label("Show this reason to the resident").check()
    await submit(page, "Save")
    assert f"Status saved: request {overdue} is fixed" in await page.locator(".govuk-notification-banner").inner_text()
    assert "Gang 4 can fill it on Thursday" in await page.locator("main").inner_text()

    tracked = await http.get(
        f"/api/v1/transactions/{overdue}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["decision"]["reason"] == "Our highways team filled the pothole. Thank you for reporting it."
    assert "Gang 4" not in tracked.text


async def test_the_queue_and_a_request_work_from_the_keyboard_and_on_a_small_phone(
    browser: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org")
    name = f"kay{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_STAFF)
    base = f"http://{slug}.localhost:{served.port}"
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    try:
        await sign_in(page, base, name)
        for path in ("/staff/requests", f"/staff/requests/{reference}"):
            await visit(page, base + path)
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a 320px screen"

        # Keyboard only: Tab to the request's link in the queue, Enter, then Tab to "Assign to me", Enter
        await visit(page, base + "/staff/requests")
        await tab_to(page, reference)
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert page.url == f"{base}/staff/requests/{reference}"
        await tab_to(page, "Assign to me")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        await assert_accessible(page)
        assert "Assignment saved" in await page.locator(".govuk-notification-banner").inner_text()
    finally:
        await context.close()


FOCUS_STYLE = (
    "[getComputedStyle(document.activeElement).outlineStyle, getComputedStyle(document.activeElement).boxShadow]"
)


async def tab_to(page: Any, text: str, most: int = 120) -> None:
    """Press Tab until the focused element says `text` (and is visibly focused)."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip() == text:
            style = await page.evaluate(FOCUS_STYLE)
            assert style != ["none", "none"], f"{text} has no visible focus"
            return
    raise AssertionError(f"could not reach {text!r} with the Tab key")


async def test_every_back_office_page_passes_axe(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org")
    await add_template(http, dev_identity, slug)
    name = f"ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_ADMIN)
    base = f"http://{slug}.localhost:{served.port}"
    await sign_in(page, base, name)
    for path in (
        "/staff",
        "/staff/requests?due=overdue&q=grace%40example.org",
        f"/staff/requests/{reference}",
        "/staff/responses",
        "/staff/responses/new",
        "/staff/team",
        f"/staff/audit?reference={reference}",
        "/staff/savings",
    ):
        await visit(page, base + path)
    # Pages that answer a mistake: the error summary and messages pass too
    await visit(
        page, base + "/staff/requests?submitted_from-day=31&submitted_from-month=2&submitted_from-year=2026", status=400
    )
    await visit(page, f"{base}/staff/requests/{reference}")
    await page.get_by_label("Closed without action").check()
    await submit(page, "Save", status=400)
    assert "Enter a reason" in await page.locator(".govuk-error-summary").inner_text()


async def test_an_officer_keys_in_a_phone_callers_missed_bin_and_logs_a_chasing_call(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
) -> None:
    slug = await live_council_of_our_own(council, database)  # live: its requests count in the savings
    name = f"omar{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_STAFF)
    base = f"http://{slug}.localhost:{served.port}"
    await sign_in(page, base, name)

    await page.get_by_role("link", name="Assisted digital").first.click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    await page.get_by_label("Which service do they want?").select_option(label="Report a missed bin collection")
    await page.get_by_label("Phone").check()
    await submit(page, "Start the form")
    await page.get_by_label("Building and street").fill("12 Acacia Avenue")
    await page.get_by_label("Postcode").fill("KT1 1EU")
    await submit(page, "Continue")
    await page.get_by_label("Recycling").check()
    today = uk_today()
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        await page.get_by_label(part).fill(str(value))
    await submit(page, "Continue")
    await submit(page, "Continue")  # the caller has no email address
    assert "Phone" in await page.locator("main").inner_text()
    await submit(page, "Send the request")
    banner = await page.locator(".govuk-notification-banner").inner_text()
    assert "Report a missed bin collection, by phone" in banner

    await page.get_by_role("link", name="Contact log").first.click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    await page.get_by_label("Which service was it about?").select_option(label="Report a missed bin collection")
    await page.get_by_label("Phone").check()
    await page.get_by_label("Chasing a request").check()
    await submit(page, "Log the contact")
    assert "Contact logged" in await page.locator(".govuk-notification-banner").inner_text()

    today_text = today.isoformat()
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    report = await http.get(
        "/api/v1/savings/report",
        params={"from": today_text, "to": today_text, "group_by": "service,channel"},
        headers={**host_for(slug), **cookie_header({"civicshare_session": cookies["civicshare_session"]})},
    )
    lines = {(line["service"], line["channel"]): line["figures"]["volume"] for line in report.json()["report"]["lines"]}
    assert lines == {("report-missed-bin", "phone"): 2}  # the call keyed in, and the chasing call logged
