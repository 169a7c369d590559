"""Access ends when the reason for it ends: a council that is offboarded, or an account an operator
disables, signs its people out at once (the next request with their old cookie is signed out)."""

from __future__ import annotations

import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from tests.admin.conftest import onboard
from tests.auth.conftest import cookie_header, dev_identity, sign_in_in_browser
from tests.support import host_for

__all__ = ["dev_identity"]


async def signed_in_officer(
    http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str
) -> tuple[str, dict[str, str]]:
    await dev_identity.ensure_council(CouncilOrganization(slug, f"Council {slug}", (), True, ()))
    email = f"officer-{uuid.uuid4().hex[:8]}@example.org"
    await dev_identity.add_staff(slug, email, Role.COUNCIL_STAFF)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        cookies = cookie_header(await sign_in_in_browser(browser, slug, email))
    assert (await http.get("/api/v1/staff/me", headers={**host_for(slug), **cookies})).status_code == 200
    return email, cookies


async def test_offboarding_a_council_signs_its_staff_out(
    admin: httpx.AsyncClient, http: httpx.AsyncClient, dev_identity: DevIdentity
) -> None:
    leaving, staying = (await onboard(admin))["slug"], (await onboard(admin))["slug"]
    _, cookies = await signed_in_officer(http, dev_identity, leaving)
    # A shared-service officer of both councils, signed in at the one that stays.
    shared_email, shared_cookies = await signed_in_officer(http, dev_identity, staying)
    await dev_identity.add_staff(leaving, shared_email, Role.COUNCIL_STAFF)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        shared_cookies = cookie_header(await sign_in_in_browser(browser, staying, shared_email))

    assert (await admin.post(f"/admin/v1/councils/{leaving}/offboard")).status_code == 200

    assert (await http.get("/api/v1/me", headers=cookies)).status_code == 401
    at_the_other = await http.get("/api/v1/staff/me", headers={**host_for(staying), **shared_cookies})
    assert at_the_other.status_code == 401, at_the_other.text


async def test_an_operator_disables_an_account_and_its_sessions_end(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient, http: httpx.AsyncClient, dev_identity: DevIdentity
) -> None:
    slug = (await onboard(admin))["slug"]
    email, cookies = await signed_in_officer(http, dev_identity, slug)

    assert (await reader.post("/admin/v1/accounts/disable", json={"email": email})).status_code == 403
    disabled = await admin.post("/admin/v1/accounts/disable", json={"email": email.upper()})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json() == {"email": email, "disabled": True, "sessions_ended": 1}

    assert (await http.get("/api/v1/staff/me", headers={**host_for(slug), **cookies})).status_code == 401
    page = await http.get("/staff/requests", headers={**host_for(slug), **cookies, "Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/auth/sign-in")
    # And they cannot sign in again.
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        signing_in = await browser.get("/dev-identity/sign-in", headers=host_for(slug))
        assert email not in signing_in.text

    unknown = await admin.post("/admin/v1/accounts/disable", json={"email": "nobody-here@example.org"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert (await admin.post("/admin/v1/accounts/disable", json={"email": "not an email"})).status_code == 422
