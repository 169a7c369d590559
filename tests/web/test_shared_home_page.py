"""A council's home page, and each service's start page, is rendered once per worker and shared by its
anonymous visitors: each still gets a nonce of their own, a signed-in resident gets their own page, and a
change to what the page shows is on the next visit."""

from __future__ import annotations

import hashlib

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.provider import dev_issuer
from civicshare.settings import Settings
from tests.auth.conftest import sign_in_in_browser
from tests.conftest import CouncilFactory
from tests.web.logos import uploaded_logo

from .test_pages_over_http import browser_at
from .test_security_headers import NONCE, assert_inline_code_carries_the_nonce


def _nonce(page: httpx.Response) -> str:
    (nonce,) = set(NONCE.findall(page.headers["content-security-policy"]))
    return str(nonce)


async def test_anonymous_visitors_share_the_page_but_never_a_nonce(
    http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    council = await make_council(name="Shared Page District Council")
    first, second = [await http.get("/", headers=browser_at(council.slug)) for _ in range(2)]
    for page in (first, second):
        assert page.status_code == 200
        assert_inline_code_carries_the_nonce(page)
    assert _nonce(first) != _nonce(second)
    assert first.text.replace(_nonce(first), "") == second.text.replace(_nonce(second), "")
    assert "Shared Page District Council" in first.text and "Sign in" in first.text

    with_query = await http.get("/", params={"from": "email"}, headers=browser_at(council.slug))
    assert "next=%2F%3Ffrom%3Demail" in with_query.text  # its own way back after signing in


async def test_a_signed_in_resident_gets_a_page_of_their_own(
    http: httpx.AsyncClient, make_council: CouncilFactory, settings: Settings
) -> None:
    council = await make_council()
    dev_identity = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
    await dev_identity.add_resident("shared-page@example.org", "Sam Shared")
    assert "Sign out" not in (await http.get("/", headers=browser_at(council.slug))).text
    http.cookies.clear()
    cookies = await sign_in_in_browser(http, council.slug, "shared-page@example.org")
    http.cookies.clear()
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    mine = await http.get("/", headers={**browser_at(council.slug), "Cookie": cookie})
    assert "Sign out" in mine.text and 'name="csrf_token"' in mine.text
    assert "Sign out" not in (await http.get("/", headers=browser_at(council.slug))).text


async def test_a_new_logo_is_on_the_next_visit(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    before = await http.get("/", headers=browser_at("kingston"))
    uploaded = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 64
    assert f"/branding/logo?v={hashlib.sha256(uploaded).hexdigest()[:12]}" not in before.text
    async with uploaded_logo(database, "kingston", uploaded) as digest:
        after = await http.get("/", headers=browser_at("kingston"))
        assert f'src="/branding/logo?v={digest[:12]}"' in after.text


async def test_a_services_start_page_is_shared_the_same_way(
    http: httpx.AsyncClient, make_council: CouncilFactory, settings: Settings
) -> None:
    council = await make_council(modules={"highways": {"enabled": True}})
    start = "/services/report-pothole"
    first, second = [await http.get(start, headers=browser_at(council.slug)) for _ in range(2)]
    assert first.status_code == 200 and "Report a pothole" in first.text and "Sign in" in first.text
    assert _nonce(first) != _nonce(second)
    assert first.text.replace(_nonce(first), "") == second.text.replace(_nonce(second), "")

    dev_identity = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
    await dev_identity.add_resident("shared-start@example.org", "Sam Start")
    http.cookies.clear()
    cookies = await sign_in_in_browser(http, council.slug, "shared-start@example.org")
    http.cookies.clear()
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    mine = await http.get(start, headers={**browser_at(council.slug), "Cookie": cookie})
    assert "Sign out" in mine.text and "Report a pothole" in mine.text
    assert "Sign out" not in (await http.get(start, headers=browser_at(council.slug))).text
