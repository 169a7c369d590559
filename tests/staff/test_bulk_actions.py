"""An officer ticks several requests in the queue and changes them together: each is changed on its own
workflow's terms, refusals are listed, and each change is recorded against its own request."""

from __future__ import annotations

import re

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.support import host_for

from .test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of


async def test_an_officer_takes_on_and_closes_several_potholes_at_once(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    first, second, third = [await report_pothole(http, slug, f"resident{n}@example.org") for n in range(3)]
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    queue = await http.get("/staff/requests", headers=officer)
    token = CSRF_INPUT.search(queue.text)
    assert token is not None

    nothing = await http.post(
        "/staff/requests/bulk", data={"action": "assign-me", "csrf_token": token[1]}, headers=officer
    )
    assert nothing.status_code == 400 and "Select at least one request" in nothing.text

    taken = await http.post(
        "/staff/requests/bulk",
        data={"reference": [first, second], "action": "assign-me", "csrf_token": token[1]},
        headers=officer,
    )
    assert taken.status_code == 200
    assert "2 of 2 requests changed" in text_of(taken.text)
    mine = await http.get("/staff/requests", params={"assignee": "me"}, headers=officer)
    assert sorted(re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', mine.text)) == sorted([first, second])

    # The first is already fixed on its own page; closing all three refuses that one and closes the others
    page = await http.get(f"/staff/requests/{first}", headers=officer)
    single = CSRF_INPUT.search(page.text)
    assert single is not None
    await http.post(
        f"/staff/requests/{first}/status",
        data={"status": "resolved", "reason": "Done already", "csrf_token": single[1]},
        headers=officer,
    )
    closed = await http.post(
        "/staff/requests/bulk",
        data={
            "reference": [first, second, third],
            "action": "move",
            "status": "resolved",
            "reason": "Resurfaced the whole street",
            "reason_public": "yes",
            "csrf_token": token[1],
        },
        headers=officer,
    )
    said = text_of(closed.text)
    assert "2 of 3 requests changed" in said
    assert f"{first} Not changed" in said
    still_open = await http.get("/staff/requests", headers=officer)
    assert re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', still_open.text) == []
    tracked = await http.get(
        f"/api/v1/transactions/{third}", params={"email": "resident2@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["decision"]["reason"] == "Resurfaced the whole street"

    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    audit = text_of((await http.get("/staff/audit", params={"reference": third}, headers=admin)).text)
    assert "Changed the status" in audit and "bulk: True" in audit


async def test_bulk_changes_reach_only_the_officers_own_council(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**HIGHWAYS), await council(**HIGHWAYS)
    their_reference = await report_pothole(http, theirs, "grace@example.org")
    officer = {**host_for(ours), **BROWSER, **cookie_header(await officer_of(http, dev_identity, ours))}
    queue = await http.get("/staff/requests", headers=officer)
    token = CSRF_INPUT.search(queue.text)
    assert token is not None
    tried = await http.post(
        "/staff/requests/bulk",
        data={"reference": [their_reference], "action": "assign-me", "csrf_token": token[1]},
        headers=officer,
    )
    assert "0 of 1 request changed" in text_of(tried.text)
    assert "There is no such request" in tried.text
