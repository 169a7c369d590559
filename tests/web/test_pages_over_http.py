"""The resident website over plain HTTP: content negotiation, identity's CSRF, the flow cookie, assets and logos."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text

from civicshare.db.engine import Database
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.service import change_status
from civicshare.web.flow_state import COOKIE_NAME
from tests.conftest import CouncilFactory
from tests.support import host_for, record_transaction
from tests.web.logos import uploaded_logo

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser_at(slug: str) -> dict[str, str]:
    return {**host_for(slug), **BROWSER}


async def csrf_token(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str:
    page = await http.get(url, headers=headers)
    assert page.status_code == 200
    found = TOKEN.search(page.text)
    assert found, "the form carries a CSRF token"
    return found[1]


async def test_a_council_home_page_names_the_council_in_its_colours(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    page = await http.get("/", headers=browser_at("newham"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "London Borough of Newham" in page.text
    assert "--govuk-brand-colour:#00594f" in page.text
    assert 'src="/branding/logo?v=' in page.text
    assert "GOV.UK" not in page.text


async def test_the_platform_address_lists_the_councils(http: httpx.AsyncClient, shipped_councils: list[str]) -> None:
    page = await http.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert "Royal Borough of Kingston upon Thames" in page.text
    assert "London Borough of Newham" in page.text


async def test_browsers_get_a_branded_404_page_and_api_clients_keep_problem_json(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    page = await http.get("/no-such-page", headers=browser_at("kingston"))
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and "Royal Borough of Kingston upon Thames" in page.text

    api = await http.get("/no-such-page", headers={**host_for("kingston"), "Accept": "application/json"})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    anything = await http.get("/no-such-page", headers=host_for("kingston"))  # Accept: */*
    assert anything.headers["content-type"] == "application/problem+json"


async def test_an_unknown_council_is_a_helpful_page_for_a_browser(http: httpx.AsyncClient) -> None:
    page = await http.get("/t/atlantis/", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no council called &#39;atlantis&#39;" in page.text
    assert "choose your council from the list" in page.text


async def test_a_suspended_council_shows_its_own_unavailable_page_with_its_styles(
    http: httpx.AsyncClient, database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council(name="Borough of Suspension", branding={"primary_colour": "#4c2c92"})
    async with database.engine.begin() as connection:
        await change_status(connection, council.slug, TenantStatus.SUSPENDED)
    try:
        page = await http.get("/", headers=browser_at(council.slug))
        assert page.status_code == 503
        assert page.headers["retry-after"] == "3600"
        assert "Sorry, the service is unavailable" in page.text
        assert "Borough of Suspension" in page.text and "#4c2c92" in page.text
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assert stylesheet, "the page links the stylesheet"
        css = await http.get(stylesheet[1], headers=host_for(council.slug))
        assert css.status_code == 200  # still served while the council is suspended

        api = await http.get("/api/v1/council", headers=host_for(council.slug))
        assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"
    finally:
        async with database.engine.begin() as connection:
            await change_status(connection, council.slug, TenantStatus.ACTIVE)


async def test_a_form_without_its_csrf_token_is_refused(http: httpx.AsyncClient, shipped_councils: list[str]) -> None:
    refused = await http.post(
        "/track", data={"reference": "KNG-2026-000001", "email": "a@b.example"}, headers=browser_at("kingston")
    )
    assert refused.status_code == 403
    assert "Form expired" in refused.text

    token = await csrf_token(http, "/track", browser_at("kingston"))
    http.cookies.clear()  # another browser: a token without its session is worth nothing
    replayed = await http.post(
        "/track",
        data={"reference": "KNG-2026-000001", "email": "a@b.example", "csrf_token": token},
        headers=browser_at("kingston"),
    )
    assert replayed.status_code == 403


async def test_only_a_page_with_a_form_gives_out_a_token_and_its_cookie(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    http.cookies.clear()  # a browser's first visit
    for path in ("/", "/services/report-pothole"):  # no form on these pages: nothing to bind a token to
        page = await http.get(path, headers=browser_at("kingston"))
        assert page.status_code == 200 and 'name="csrf_token"' not in page.text
        assert "civicshare_csrf" not in page.headers.get("set-cookie", ""), path

    token = await csrf_token(http, "/track", browser_at("kingston"))
    assert http.cookies.get("civicshare_csrf")
    tracked = await http.post(
        "/track",
        data={"reference": "KNG-2026-000001", "email": "a@b.example", "csrf_token": token},
        headers=browser_at("kingston"),
    )
    assert tracked.status_code != 403 and "Form expired" not in tracked.text  # (no such request: 400)


async def test_a_form_posted_from_another_site_is_refused(http: httpx.AsyncClient, shipped_councils: list[str]) -> None:
    token = await csrf_token(http, "/track", browser_at("kingston"))
    refused = await http.post(
        "/track",
        data={"reference": "KNG-2026-000001", "email": "a@b.example", "csrf_token": token},
        headers={**browser_at("kingston"), "Origin": "https://evil.example"},
    )
    assert refused.status_code == 403


async def test_tracking_over_http_with_a_token_finds_only_the_matching_request(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    reference = await record_transaction(database, "kingston", "pat@kingston.example")
    token = await csrf_token(http, "/track", browser_at("kingston"))
    found = await http.post(
        "/track",
        data={"reference": reference, "email": "pat@kingston.example", "csrf_token": token},
        headers=browser_at("kingston"),
    )
    assert found.status_code == 200 and f"Request {reference}" in found.text

    # The same reference at another council is not there: each council reads only its own schema.
    token = await csrf_token(http, "/track", browser_at("newham"))
    elsewhere = await http.post(
        "/track",
        data={"reference": reference, "email": "pat@kingston.example", "csrf_token": token},
        headers=browser_at("newham"),
    )
    assert elsewhere.status_code == 400 and "No request matches" in elsewhere.text


async def test_my_requests_asks_an_anonymous_resident_to_sign_in_with_identity(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    page = await http.get("/my-requests", headers=browser_at("kingston"), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/auth/sign-in?next=%2Fmy-requests"
    home = await http.get("/track", headers=browser_at("kingston"))
    assert 'href="/auth/sign-in?next=%2Ftrack"' in home.text


async def test_a_tampered_sign_in_cookie_is_refused_not_trusted(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    cookie = {"Cookie": "civicshare_session=made-up.AAAA"}
    page = await http.get("/my-requests", headers={**browser_at("kingston"), **cookie}, follow_redirects=False)
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert stylesheet, "the 401 page links the stylesheet"
    for url in (stylesheet[1], "/branding/logo"):  # still load, and set no cookie: they are cached
        loaded = await http.get(url, headers={**host_for("kingston"), **cookie})
        assert loaded.status_code == 200 and "set-cookie" not in loaded.headers


async def test_a_form_in_progress_is_kept_in_its_own_signed_cookie_per_council(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    step = "/t/newham/services/garden-waste-subscription/address"
    token = await csrf_token(http, step, BROWSER)
    posted = await http.post(step, data={"csrf_token": token, "address_line": "1 Acacia Avenue"}, headers=BROWSER)
    assert posted.status_code == 400  # the postcode is missing; what was typed is kept all the same
    cookie = next(c for c in posted.headers.get_list("set-cookie") if c.startswith(f"{COOKIE_NAME}="))
    assert "Path=/t/newham" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert 'value="1 Acacia Avenue"' in (await http.get(step, headers=BROWSER)).text

    value = http.cookies[COOKIE_NAME]
    http.cookies.clear()
    http.cookies.set(COOKIE_NAME, value[:-4] + "AAAA", path="/t/newham")
    assert 'value="1 Acacia Avenue"' not in (await http.get(step, headers=BROWSER)).text  # altered: ignored


async def test_assets_are_compressed_and_cached_for_a_year(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    page = await http.get("/", headers=browser_at("kingston"))
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    script = re.search(r'<script type="module" src="([^"]+)"', page.text)
    assert stylesheet and script, "run `make assets` to build the stylesheet and script"
    for url in (stylesheet[1], script[1]):
        response = await http.get(url, headers={**host_for("kingston"), "Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert "immutable" in response.headers["cache-control"]
    logo = await http.get("/branding/logo", headers=host_for("kingston"))
    assert logo.headers["content-type"] == "image/svg+xml"
    again = await http.get("/branding/logo", headers={**host_for("kingston"), "If-None-Match": logo.headers["etag"]})
    assert again.status_code == 304


async def test_a_council_without_a_logo_shows_its_name_alone(
    http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    council = await make_council(name="Logoless District Council")
    page = await http.get("/", headers=browser_at(council.slug))
    assert "Logoless District Council" in page.text and "/branding/logo" not in page.text
    missing = await http.get("/branding/logo", headers=browser_at(council.slug))
    assert missing.status_code == 404


async def test_accept_and_send_pressed_twice_makes_one_request(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    """The draft's idempotency key goes to the submission service: the second press gets the first request."""
    headers = browser_at("kingston")
    service = "/services/report-pothole"
    token = await csrf_token(http, f"{service}/location", headers)
    answers = {
        "location": {"location_description": "Outside 3 Market Place"},
        "details": {"size": "large", "on": "road"},
        "contact": {"email": "twice@kingston.example"},
    }
    for step, fields in answers.items():
        answered = await http.post(f"{service}/{step}", data={**fields, "csrf_token": token}, headers=headers)
        assert answered.status_code == 303, answered.text
    browser_cookies = dict(http.cookies)
    sent = []
    for _ in range(2):  # both presses carry the cookies the page was shown with
        http.cookies.clear()
        for name, value in browser_cookies.items():
            http.cookies.set(name, value)
        pressed = await http.post(f"{service}/check", data={"csrf_token": token}, headers=headers)
        assert pressed.status_code == 303 and pressed.headers["location"] == f"{service}/confirmation"
        confirmation = await http.get(pressed.headers["location"], headers=headers)
        sent.append(re.search(r"KNG-\d{4}-\d+", confirmation.text)[0])  # type: ignore[index]
    assert sent[0] == sent[1]
    async with database.engine.connect() as connection:
        made = await connection.scalar(
            text("select count(*) from tenant_kingston.transactions where contact_email = 'twice@kingston.example'")
        )
    assert made == 1


async def test_an_uploaded_logo_is_served_in_place_of_the_councils_file_logo(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    file_logo = await http.get("/branding/logo", headers=host_for("kingston"))
    assert file_logo.headers["content-type"] == "image/svg+xml"
    uploaded = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
    async with uploaded_logo(database, "kingston", uploaded) as digest:
        served = await http.get("/branding/logo", headers=host_for("kingston"))
        assert served.headers["content-type"] == "image/png" and served.content == uploaded
        page = await http.get("/", headers=browser_at("kingston"))
        assert f'src="/branding/logo?v={digest[:12]}"' in page.text
    assert (await http.get("/branding/council-logo", headers=host_for("kingston"))).status_code == 404  # one address


async def test_a_form_with_a_character_that_cannot_be_saved_or_read_gets_a_page_that_says_so(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    headers = browser_at("kingston")
    step = "/services/report-pothole/location"
    token = await csrf_token(http, step, headers)
    refused = await http.post(
        step, data={"location_description": "Market\x00Place", "csrf_token": token}, headers=headers
    )
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "Sorry, there is a problem" in refused.text and "cannot be saved" in refused.text
    tracked = await http.post(
        "/track", data={"reference": "KNG\x00", "email": "a@b.example", "csrf_token": token}, headers=headers
    )
    assert tracked.status_code == 422 and "reference" in tracked.text

    form = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    not_utf8 = await http.post(
        step, content=b"location_description=Market%ff%fePlace&csrf_token=" + token.encode(), headers=form
    )
    assert not_utf8.status_code in (303, 400), not_utf8.text  # read with replacement characters, never a 500
    huge = await http.post(step, data={"location_description": "x" * 200_000, "csrf_token": token}, headers=headers)
    assert 400 <= huge.status_code < 500 and huge.headers["content-type"].startswith("text/html")
