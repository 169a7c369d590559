"""The pages: each council's privacy notice says what every service collects, why, who sees it and for
how long (its own periods); a council admin sees what is due for erasure and prepares a subject access
export; a resident gets a copy of their own data and deletes their account from a confirmation page."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from html import unescape

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.services import PlatformServices
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header, sign_in_in_browser
from tests.privacy.conftest import HIGHWAYS, report_pothole, resident
from tests.support import host_for

BROWSER = {"Accept": "text/html"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def _browser(http: httpx.AsyncClient, slug: str, email: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=http.base_url) as own:
        return host_for(slug) | BROWSER | cookie_header(await sign_in_in_browser(own, slug, email))


async def _csrf(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> str:
    page = await http.get(path, headers=headers)
    assert page.status_code == 200, page.text
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def _link_when_ready(http: httpx.AsyncClient, path: str, headers: dict[str, str], pattern: str) -> str:
    deadline = asyncio.get_running_loop().time() + 30
    while (found := re.search(pattern, (await http.get(path, headers=headers)).text)) is None:
        assert asyncio.get_running_loop().time() < deadline, "never ready"
        await asyncio.sleep(0.2)
    return found[0]


async def test_the_privacy_notice_says_what_each_service_collects_and_for_how_long(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council(**HIGHWAYS)
    await operator.patch(f"/admin/v1/councils/{slug}", json={"retention_months": {"report-pothole": 12}})
    page = await http.get("/privacy", headers=host_for(slug) | BROWSER)
    assert page.status_code == 200
    words = text_of(page.text)
    pothole = words[words.index("Report a pothole") :]
    assert "your answer to “Anything else we should know”" in pothole
    assert "photos you add" in pothole and "12 months after your request is closed" in pothole
    streetlight = (
        words[words.index("Report a broken streetlight") :] if "Report a broken streetlight" in words else words
    )
    assert "24 months after your request is closed" in streetlight
    assert "To deliver the service you asked for" in words


async def test_a_council_admin_sees_what_is_due_and_prepares_a_subject_access_export(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    job_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org", details="Grace's pothole")
    admin_email, staff_email = "ada-admin-" + slug + "@example.org", "sam-staff-" + slug + "@example.org"
    await dev_identity.add_staff(slug, admin_email, Role.COUNCIL_ADMIN)
    await dev_identity.add_staff(slug, staff_email, Role.COUNCIL_STAFF)
    admin = await _browser(http, slug, admin_email)

    home = await http.get("/staff/privacy", headers=admin)
    assert home.status_code == 200 and "Nothing is due for erasure" in home.text
    assert "24 months" in text_of(home.text)

    token = await _csrf(http, "/staff/privacy", admin)
    missing = await http.post("/staff/privacy/subject-access", data={"email": "", "csrf_token": token}, headers=admin)
    assert missing.status_code == 400 and "Enter the person's email address" in text_of(missing.text)
    asked = await http.post(
        "/staff/privacy/subject-access", data={"email": "Grace@example.org", "csrf_token": token}, headers=admin
    )
    assert asked.status_code == 303
    link = await _link_when_ready(http, "/staff/privacy", admin, r"/staff/privacy/subject-access/\d+/file")
    downloaded = await http.get(link, headers=admin)
    assert downloaded.status_code == 200
    exported = json.loads(zipfile.ZipFile(io.BytesIO(downloaded.content)).read("person.json"))
    assert [item["reference"] for item in exported["requests"]] == [reference]

    staff = await _browser(http, slug, staff_email)
    assert (await http.get("/staff/privacy", headers=staff)).status_code == 403
    assert (await http.get(link, headers=staff)).status_code == 403


async def test_a_resident_gets_a_copy_of_their_data_then_deletes_their_account(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    job_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    email, _, token = await resident(dev_identity, "Rae")
    other_email, _, _ = await resident(dev_identity, "Otto")
    reference = await report_pothole(http, slug, email, token=token, details="Rae's pothole")
    rae = await _browser(http, slug, email)

    csrf = await _csrf(http, "/account/your-data", rae)
    assert (await http.post("/account/your-data", data={"csrf_token": csrf}, headers=rae)).status_code == 303
    link = await _link_when_ready(http, "/account/your-data", rae, r"/account/your-data/\d+/file")
    copy = await http.get(link, headers=rae)
    assert copy.status_code == 200
    assert [
        r["reference"] for r in json.loads(zipfile.ZipFile(io.BytesIO(copy.content)).read("person.json"))["requests"]
    ] == [reference]
    otto = await _browser(http, slug, other_email)
    assert (await http.get(link, headers=otto)).status_code == 404  # only its owner downloads it

    confirm = await http.get("/account/delete", headers=rae)
    assert confirm.status_code == 200 and "You cannot undo this" in confirm.text
    csrf = await _csrf(http, "/account/delete", rae)
    deleted = await http.post("/account/delete", data={"csrf_token": csrf}, headers=rae)
    assert deleted.status_code == 200 and "Your account has been deleted" in deleted.text
    with pytest.raises(LookupError):
        dev_identity.issue_token(email)
    signed_out = await http.get("/account/your-data", headers=rae)  # the old session cookie no longer works
    assert signed_out.status_code in (303, 401)
