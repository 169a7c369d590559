"""In Chromium, with axe-core on every page: a resident reads the privacy notice, asks for a copy of
their data and deletes their account through its confirmation page; a council admin opens Personal data."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import CouncilWithOrganization
from tests.privacy.conftest import HIGHWAYS, report_pothole
from tests.support import ServedPlatform
from tests.web.browsing import submit, visit


async def test_a_resident_and_a_council_admin_use_the_personal_data_pages(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
) -> None:
    slug = await council(**HIGHWAYS)
    base = f"http://{slug}.localhost:{served.port}"
    name = f"Rae{uuid.uuid4().hex[:6]}"
    email = f"{name.lower()}@example.org"
    await dev_identity.add_resident(email, name)
    await report_pothole(http, slug, email, details="By the bus stop")

    await visit(page, f"{base}/privacy")
    assert "Report a pothole" in await page.inner_text("main")
    await visit(page, f"{base}/dev-identity/sign-in?next=/account/your-data")
    await submit(page, f"Sign in as {name}")
    assert "Your information" in await page.inner_text("h1")
    await submit(page, "Prepare a copy")
    await page.get_by_role("link", name="Delete your account").click()
    await page.wait_for_url(f"{base}/account/delete")
    await visit(page, f"{base}/account/delete")
    await submit(page, "Delete my account")
    assert "Your account has been deleted" in await page.inner_text("h1")

    officer = f"Ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{officer.lower()}@example.org", Role.COUNCIL_ADMIN)
    people = {person["email"]: person for person in dev_identity.people()}
    assert people[f"{officer.lower()}@example.org"]
    await visit(page, f"{base}/dev-identity/sign-in?next=/staff/privacy")
    await submit(page, f"Sign in as {people[f'{officer.lower()}@example.org']['name']}")
    assert "Personal data" in await page.inner_text("h1")
