"""A council administrator connects the highways contractor's system in the back office: makes it a key
limited to highways (shown once, on that page only), sees when it was last used, and revokes it; the
page works without JavaScript, passes axe-core in Chromium, and only administrators get in."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import CSRF_INPUT, cookie_header
from tests.staff.test_back_office_pages import BROWSER, officer_of, text_of
from tests.support import ServedPlatform, host_for
from tests.web.browsing import submit, visit

from .conftest import HIGHWAYS_AND_WASTE, report_pothole, with_key

NEW_KEY = re.compile(r'id="new-key" name="new-key" type="text" value="(cs_sys_[^"]+)"')


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def test_an_administrator_makes_a_key_for_the_contractor_and_revokes_it(
    http: httpx.AsyncClient, council: Any, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    page = await http.get("/staff/systems", headers=admin)
    assert page.status_code == 200 and "No system has a key yet" in page.text
    assert 'href="/staff/systems"' in page.text  # in the administrator's menu

    mistaken = await http.post(
        "/staff/systems/keys", data={"name": "", "expires": "90", "csrf_token": token_of(page)}, headers=admin
    )
    assert mistaken.status_code == 400
    assert "Enter the name of the system" in mistaken.text and "Select what the system may do" in mistaken.text

    created = await http.post(
        "/staff/systems/keys",
        data={
            "name": "Roads contractor",
            "scope": "write",
            "services": ["report-pothole", "report-streetlight"],
            "expires": "90",
            "csrf_token": token_of(page),
        },
        headers=admin,
    )
    assert created.status_code == 200, created.text
    assert created.headers["cache-control"] == "no-store"
    found = NEW_KEY.search(created.text)
    assert found is not None
    secret = found[1]
    assert "This is the only time the key is shown" in created.text

    # The key works, for the contractor's services
    pothole = await report_pothole(http, slug)
    used = await http.get(f"/api/v1/system/requests/{pothole}", headers=with_key(secret, slug))
    assert used.status_code == 200

    listed = await http.get("/staff/systems", headers=admin)
    assert secret not in listed.text and secret[:20] not in listed.text
    listed_text = text_of(listed.text)
    assert "Roads contractor" in listed_text and "Report a pothole" in listed_text and "Active" in listed_text
    assert "Not used yet" not in listed_text
    revoke = re.search(r'action="/staff/systems/keys/(\d+)/revoke"', listed.text)
    assert revoke is not None

    revoked = await http.post(
        f"/staff/systems/keys/{revoke[1]}/revoke", data={"csrf_token": token_of(listed)}, headers=admin
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/staff/systems?done=revoked"
    after = text_of((await http.get("/staff/systems?done=revoked", headers=admin)).text)
    assert "Key revoked" in after and "Revoked" in after
    assert (await http.get(f"/api/v1/system/requests/{pothole}", headers=with_key(secret, slug))).status_code == 401

    # Without the form's token, nothing is created
    forged = await http.post("/staff/systems/keys", data={"name": "Evil", "scope": "write"}, headers=admin)
    assert forged.status_code == 403
    # What staff did has both, and the refused use of the revoked key
    audit = text_of((await http.get("/staff/audit", headers=admin)).text)
    assert "Created a key for a connected system" in audit and "Revoked a connected system's key" in audit
    assert "A connected system's key was refused" in audit and "reason: the key is revoked" in audit


async def test_only_administrators_manage_connected_systems(
    http: httpx.AsyncClient, council: Any, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    assert (await http.get("/staff/systems", headers=officer)).status_code == 403
    assert 'href="/staff/systems"' not in (await http.get("/staff", headers=officer)).text
    other = await council(**HIGHWAYS_AND_WASTE)
    outsider = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, other, Role.COUNCIL_ADMIN)),
    }
    assert (await http.get("/staff/systems", headers=outsider)).status_code == 403
    anonymous = await http.get("/staff/systems", headers={**host_for(slug), **BROWSER})
    assert anonymous.status_code == 303


@pytest.mark.browser
async def test_the_connected_systems_page_passes_axe(
    page: Any, served: ServedPlatform, council: Any, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    name = f"ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_ADMIN)
    base = f"http://{slug}.localhost:{served.port}"
    await visit(page, f"{base}/dev-identity/sign-in?next=/")
    await submit(page, f"Sign in as {name}")
    await visit(page, f"{base}/staff/systems")
    await submit(page, "Create key", status=400)  # the error summary and messages pass too
    await page.get_by_label("Name of the system").fill("Waste CRM")
    await page.get_by_label("Read requests only").check()
    await submit(page, "Create key")
    assert (await page.locator("#new-key").input_value()).startswith("cs_sys_")
    await submit(page, "Revoke the key of Waste CRM")
    assert "Key revoked" in await page.locator(".govuk-notification-banner").inner_text()
