"""A session holds rights only at the councils that existed, with their own identity, when it began: a
council onboarded later under a name the person's organization already had gives that session nothing."""

from __future__ import annotations

import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from tests.auth.conftest import CouncilWithOrganization, cookie_header, sign_in_in_browser
from tests.conftest import CouncilFactory
from tests.support import host_for


async def test_a_council_onboarded_after_sign_in_under_a_known_name_gives_the_session_no_rights(
    http: httpx.AsyncClient, council: CouncilWithOrganization, make_council: CouncilFactory, dev_identity: DevIdentity
) -> None:
    home = await council()
    later = f"later-{uuid.uuid4().hex[:8]}"
    # The identity provider already has an organization called `later` (an old council's, or one made
    # ahead of time), and this person is in it.
    await dev_identity.ensure_council(CouncilOrganization(later, "Later Council", (), True, ()))
    email = f"early-{uuid.uuid4().hex[:8]}@example.org"
    await dev_identity.add_staff(home, email, Role.COUNCIL_ADMIN)
    await dev_identity.add_staff(later, email, Role.COUNCIL_ADMIN)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        cookies = cookie_header(await sign_in_in_browser(browser, home, email))
    assert (await http.get("/api/v1/staff/me", headers={**host_for(home), **cookies})).status_code == 200

    await make_council(later)
    refused = await http.get("/api/v1/staff/me", headers={**host_for(later), **cookies})
    assert refused.status_code == 403, refused.text
    # Signing in again, after the council exists, binds the new session to it.
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        fresh = cookie_header(await sign_in_in_browser(browser, later, email))
    assert (await http.get("/api/v1/staff/me", headers={**host_for(later), **fresh})).status_code == 200
