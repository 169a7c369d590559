"""Stories over HTTP with the demo's dev identity: signing in, sessions, CSRF and who sees what."""

from __future__ import annotations

import httpx
import pytest

from civicshare.api.identity import dev_identity_of
from civicshare.db.engine import Database
from civicshare.http.problems import Problem
from civicshare.identity.dev_identity import DEMO_PEOPLE, DevIdentity
from civicshare.identity.principal import Role
from civicshare.identity.provider import IdentityNotConfigured, build_identity
from civicshare.settings import Mode, Settings
from tests.support import host_for, record_transaction

from .conftest import (
    CouncilWithOrganization,
    bearer,
    cookie_header,
    landing_after_sign_in,
    sign_in_in_browser,
    staff_token,
)


async def test_the_sign_in_page_lists_the_demo_people(
    http: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    page = await http.get("/dev-identity/sign-in", headers=host_for(slug))
    assert page.status_code == 200
    for person in DEMO_PEOPLE:
        assert person.name in page.text
    set_cookie = page.headers["set-cookie"]
    assert "civicshare_csrf=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


async def test_a_resident_signs_in_and_out_in_the_browser(
    http: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    cookies = await sign_in_in_browser(http, slug, "rosa.resident@example.org")
    me = await http.get("/api/v1/me", headers={**host_for(slug), **cookie_header(cookies)})
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["resident"]
    assert me.json()["signed_in_with"] == "session"

    page = await http.get("/dev-identity/sign-in", headers={**host_for(slug), **cookie_header(cookies)})
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    out = await http.post(
        "/auth/sign-out", data={"csrf_token": token}, headers={**host_for(slug), **cookie_header(cookies)}
    )
    assert out.status_code == 303
    assert 'civicshare_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    after = await http.get("/api/v1/me", headers={**host_for(slug), **cookie_header(cookies)})
    assert after.status_code == 401


async def test_session_cookies_are_httponly_and_samesite_lax(
    http: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    page = await http.get("/dev-identity/sign-in", headers=host_for(slug))
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = await http.post(
        "/dev-identity/sign-in",
        data={"email": "rosa.resident@example.org", "next": "//evil.example/", "csrf_token": token},
        headers={**host_for(slug), "Cookie": f"civicshare_csrf={page.cookies['civicshare_csrf']}"},
    )
    assert answer.status_code == 303
    assert await landing_after_sign_in(http, answer) == "/"  # never off-site
    session_cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("civicshare_session="))
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()


async def test_a_form_post_without_a_matching_csrf_token_is_refused(
    http: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    page = await http.get("/dev-identity/sign-in", headers=host_for(slug))
    csrf_cookie = f"civicshare_csrf={page.cookies['civicshare_csrf']}"
    for token in ("", "forged.0000", "abc.def"):
        answer = await http.post(
            "/dev-identity/sign-in",
            data={"email": "rosa.resident@example.org", "csrf_token": token},
            headers={**host_for(slug), "Cookie": csrf_cookie},
        )
        assert answer.status_code == 403, answer.text
    # A token taken from another browser (another cookie) does not fit this one.
    http.cookies.clear()
    other = await http.get("/dev-identity/sign-in", headers=host_for(slug))
    stolen = other.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = await http.post(
        "/dev-identity/sign-in",
        data={"email": "rosa.resident@example.org", "csrf_token": stolen},
        headers={**host_for(slug), "Cookie": csrf_cookie},
    )
    assert answer.status_code == 403


async def test_a_tampered_session_cookie_is_refused(http: httpx.AsyncClient, council: CouncilWithOrganization) -> None:
    slug = await council()
    cookies = await sign_in_in_browser(http, slug, "rosa.resident@example.org")
    secret, _, signature = cookies["civicshare_session"].rpartition(".")
    for tampered in (secret[:-1] + ("A" if secret[-1] != "A" else "B") + "." + signature, secret + ".x", "made-up"):
        answer = await http.get("/api/v1/me", headers={**host_for(slug), "Cookie": f"civicshare_session={tampered}"})
        assert answer.status_code == 401, tampered


async def test_staff_see_exactly_the_councils_they_work_for(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    a, b, c = await council(), await council(), await council()
    shared = await staff_token(dev_identity, f"shared-{a}@example.org", a, b)
    assert (await http.get("/api/v1/staff/me", headers=bearer(shared, a))).status_code == 200
    assert (await http.get("/api/v1/staff/me", headers=bearer(shared, b))).status_code == 200
    refused = await http.get("/api/v1/staff/me", headers=bearer(shared, c))
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:civicshare:problem:forbidden"
    resident = dev_identity.issue_token("rosa.resident@example.org")
    assert (await http.get("/api/v1/staff/me", headers=bearer(resident, a))).status_code == 403
    assert (await http.get("/api/v1/staff/me", headers=host_for(a))).status_code == 401


async def test_a_suspended_organization_drops_out_of_the_token(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    from civicshare.identity.directory import CouncilOrganization

    a = await council()
    token = await staff_token(dev_identity, f"staff-{a}@example.org", a)
    assert (await http.get("/api/v1/staff/me", headers=bearer(token, a))).status_code == 200
    await dev_identity.ensure_council(CouncilOrganization(a, a, (), False, ()))
    later = dev_identity.issue_token(f"staff-{a}@example.org")
    assert (await http.get("/api/v1/me", headers=bearer(later))).json()["councils"] == []


async def test_operators_reach_the_admin_api_and_nobody_else_does(
    http: httpx.AsyncClient, dev_identity: DevIdentity
) -> None:
    operator = dev_identity.issue_token("olu.operator@civicshare.example")
    answer = await http.get("/admin/v1/operator", headers=bearer(operator))
    assert answer.status_code == 200
    assert answer.json()["roles"] == [Role.PLATFORM_OPERATOR.value]
    resident = dev_identity.issue_token("rosa.resident@example.org")
    assert (await http.get("/admin/v1/operator", headers=bearer(resident))).status_code == 403
    assert (await http.get("/admin/v1/operator")).status_code == 401
    garbage = await http.get("/admin/v1/operator", headers={"Authorization": "Bearer a.b.c"})
    assert garbage.status_code == 401
    assert "invalid_token" in garbage.headers["www-authenticate"]


async def test_a_signed_in_operator_uses_the_admin_api_beside_api_keys(
    http: httpx.AsyncClient, dev_identity: DevIdentity
) -> None:
    operator = dev_identity.issue_token("olu.operator@civicshare.example")
    listed = await http.get("/admin/v1/councils", headers=bearer(operator))
    assert listed.status_code == 200, listed.text
    assert "items" in listed.json()
    resident = dev_identity.issue_token("rosa.resident@example.org")
    assert (await http.get("/admin/v1/councils", headers=bearer(resident))).status_code == 401
    forged = operator[:-4] + ("AAAA" if not operator.endswith("AAAA") else "BBBB")
    assert (await http.get("/admin/v1/councils", headers=bearer(forged))).status_code == 401


async def test_a_resident_sees_their_own_requests_at_every_council_and_nobody_elses(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    a, b = await council(), await council()
    rosa = dev_identity.issue_token("rosa.resident@example.org")
    rosa_subject = (await http.get("/api/v1/me", headers=bearer(rosa))).json()["subject"]
    mine_a = await record_transaction(database, a, "rosa.resident@example.org", resident_subject=rosa_subject)
    mine_b = await record_transaction(database, b, "rosa.resident@example.org", resident_subject=rosa_subject)
    theirs = await record_transaction(database, a, "someone@example.org", resident_subject="someone-else")

    listed_a = await http.get("/api/v1/me/transactions", headers=bearer(rosa, a))
    assert [t["reference"] for t in listed_a.json()] == [mine_a]
    listed_b = await http.get("/api/v1/me/transactions", headers=bearer(rosa, b))
    assert [t["reference"] for t in listed_b.json()] == [mine_b]
    assert (await http.get(f"/api/v1/me/transactions/{mine_a}", headers=bearer(rosa, a))).status_code == 200
    other = await http.get(f"/api/v1/me/transactions/{theirs}", headers=bearer(rosa, a))
    unknown = await http.get(f"/api/v1/me/transactions/{theirs[:-1]}9", headers=bearer(rosa, a))
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]
    # Her Kingston reference asked for at the other council: not found there either.
    assert (await http.get(f"/api/v1/me/transactions/{mine_a}", headers=bearer(rosa, b))).status_code == 404


async def test_the_dev_identity_never_runs_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"mode": Mode.PRODUCTION})
    with pytest.raises(IdentityNotConfigured):
        build_identity(production)

    development_identity = build_identity(settings)

    class Services:
        identity = development_identity

    Services.settings = production  # type: ignore[attr-defined]

    with pytest.raises(Problem) as refused:
        dev_identity_of(Services())  # type: ignore[arg-type]
    assert refused.value.status == 404


async def test_the_demo_hands_api_clients_a_token_for_a_demo_person(http: httpx.AsyncClient) -> None:
    issued = await http.post("/dev-identity/token", json={"email": "sam.shared@eastlondon.example"})
    assert issued.status_code == 200
    me = await http.get("/api/v1/me", headers=bearer(issued.json()["access_token"]))
    assert me.json()["roles"] == ["council-staff"]
    jwks = await http.get("/dev-identity/jwks.json")
    assert [key["alg"] for key in jwks.json()["keys"]] == ["RS256"]
    refused = await http.post("/dev-identity/token", json={"email": "nobody@example.org"})
    assert refused.status_code == 400
