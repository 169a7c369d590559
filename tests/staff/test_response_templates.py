"""A council administrator writes response templates; an officer closes a request with one and the
resident reads its words. Officers cannot change templates, and another council never sees them."""

from __future__ import annotations

import re

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.support import host_for

from .test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def test_an_officer_closes_a_request_with_the_councils_template_and_the_resident_reads_it(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug, other = await council(**HIGHWAYS), await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org")
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    form = await http.get("/staff/responses/new", headers=admin)
    assert form.status_code == 200
    blank = await http.post(
        "/staff/responses/new",
        data={"service": "report-pothole", "title": "", "body": "", "csrf_token": token_of(form)},
        headers=admin,
    )
    assert blank.status_code == 400
    assert "Enter a title" in blank.text and "Enter the text the resident will read" in blank.text
    saved = await http.post(
        "/staff/responses/new",
        data={
            "service": "report-pothole",
            "title": "Pothole filled",
            "body": "Our highways team filled the pothole. Thank you for reporting it.",
            "csrf_token": token_of(form),
        },
        headers=admin,
    )
    assert saved.status_code == 303
    assert "Pothole filled" in (await http.get("/staff/responses", headers=officer)).text

    # Officers use templates but cannot write them
    assert (await http.get("/staff/responses/new", headers=officer)).status_code == 403

    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    chosen = re.search(r'<option value="(\d+)" data-text="[^"]*">Pothole filled</option>', page.text)
    assert chosen is not None, "the request's page offers the template"
    closed = await http.post(
        f"/staff/requests/{reference}/status",
        data={
            "status": "resolved",
            "reason": "",
            "template": chosen[1],
            "reason_public": "yes",
            "csrf_token": token_of(page),
        },
        headers=officer,
    )
    assert closed.status_code == 303, closed.text
    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["decision"]["reason"] == "Our highways team filled the pothole. Thank you for reporting it."

    # Another council's administrators see none of it
    theirs = {
        **host_for(other),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, other, Role.COUNCIL_ADMIN)),
    }
    assert "Pothole filled" not in text_of((await http.get("/staff/responses", headers=theirs)).text)
    assert (await http.get(f"/staff/responses/{chosen[1]}/edit", headers=theirs)).status_code == 404
    assert (await http.get("/staff/responses/99999999999999999999/edit", headers=admin)).status_code == 404
