"""A council administrator adds staff and makes teams: a highways team sees highways requests only, and
someone removed from the council is signed out at once."""

from __future__ import annotations

import re
import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.modules.working_days import uk_today
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header, sign_in_in_browser
from tests.support import host_for

from .test_back_office_pages import BROWSER, officer_of, report_pothole, text_of

HIGHWAYS_AND_WASTE = {"modules": {"highways": {"enabled": True}, "waste": {"enabled": True}}}
REFERENCE = re.compile(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"')


async def report_missed_bin(http: httpx.AsyncClient, slug: str) -> str:
    answer = await http.post(
        "/api/v1/services/report-missed-bin/transactions",
        json={
            "answers": {
                "address_line": "12 Acacia Avenue",
                "postcode": "KT1 1EU",
                "bin_type": "recycling",
                "collection_date": uk_today().isoformat(),
            },
            "channel": "web",
            "contact_email": "ravi@example.org",
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def test_a_highways_team_sees_highways_requests_only(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    pothole = await report_pothole(http, slug, "grace@example.org")
    bin_request = await report_missed_bin(http, slug)
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    contractor_email = f"hal-{uuid.uuid4().hex[:6]}@roads.example.org"

    page = await http.get("/staff/team", headers=admin)
    assert page.status_code == 200
    bad = await http.post(
        "/staff/team/members", data={"email": "not an email", "role": "council-staff", "csrf_token": token_of(page)},
        headers=admin,
    )  # fmt: skip
    assert bad.status_code == 400 and "Enter an email address in the correct format" in bad.text
    added = await http.post(
        "/staff/team/members",
        data={"email": contractor_email, "role": "council-staff", "csrf_token": token_of(page)},
        headers=admin,
    )
    assert added.status_code == 303
    created = await http.post(
        "/staff/teams",
        data={"name": "Highways", "services": ["report-pothole", "report-streetlight"], "csrf_token": token_of(page)},
        headers=admin,
    )
    assert created.status_code == 303
    page = await http.get("/staff/team", headers=admin)
    team_id = re.search(r'action="/staff/teams/(\d+)/members"', page.text)
    assert team_id is not None and contractor_email in page.text
    joined = await http.post(
        f"/staff/teams/{team_id[1]}/members",
        data={"email": contractor_email, "csrf_token": token_of(page)},
        headers=admin,
    )
    assert joined.status_code == 303
    again = await http.post("/staff/teams", data={"name": "Highways", "csrf_token": token_of(page)}, headers=admin)
    assert again.status_code == 400 and "There is already a team with this name" in again.text

    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        contractor = {
            **host_for(slug),
            **BROWSER,
            **cookie_header(await sign_in_in_browser(browser, slug, contractor_email)),
        }
    queue = await http.get("/staff/requests", headers=contractor)
    assert REFERENCE.findall(queue.text) == [pothole]
    assert (await http.get(f"/staff/requests/{bin_request}", headers=contractor)).status_code == 403
    assert (await http.get(f"/staff/requests/{pothole}", headers=contractor)).status_code == 200
    # The staff API answers the same way
    api = await http.get("/api/v1/staff/transactions", headers={**contractor, "Accept": "application/json"})
    assert [item["reference"] for item in api.json()] == [pothole]
    refused = await http.get(
        f"/api/v1/staff/transactions/{bin_request}", headers={**contractor, "Accept": "application/json"}
    )
    assert refused.status_code == 403
    home = text_of((await http.get("/staff", headers=contractor)).text)
    assert "1 open requests" in home
    # The administrator, in no team, still sees both
    assert sorted(REFERENCE.findall((await http.get("/staff/requests", headers=admin)).text)) == sorted(
        [pothole, bin_request]
    )


async def test_someone_removed_from_the_council_is_signed_out_at_once(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    leaver_email = f"lee-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, leaver_email, Role.COUNCIL_STAFF)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        leaver = {**host_for(slug), **BROWSER, **cookie_header(await sign_in_in_browser(browser, slug, leaver_email))}
    assert (await http.get("/staff/requests", headers=leaver)).status_code == 200

    page = await http.get("/staff/team", headers=admin)
    removed = await http.post(
        "/staff/team/members/remove", data={"email": leaver_email, "csrf_token": token_of(page)}, headers=admin
    )
    assert removed.status_code == 303
    after = await http.get("/staff/requests", headers=leaver)
    assert after.status_code == 303 and after.headers["location"].startswith("/auth/sign-in")
    assert leaver_email not in (await http.get("/staff/team", headers=admin)).text
    assert slug not in await dev_identity.councils_of(leaver_email)

    # Officers (not administrators) cannot manage staff
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    assert (await http.get("/staff/team", headers=officer)).status_code == 403


async def test_a_request_is_given_to_a_colleague_and_a_team_and_the_team_finds_it(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS_AND_WASTE)
    pothole = await report_pothole(http, slug, "grace@example.org")
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    colleague_email = f"col-{uuid.uuid4().hex[:6]}@example.org"
    colleague_subject = await dev_identity.add_staff(slug, colleague_email, Role.COUNCIL_STAFF)
    page = await http.get("/staff/team", headers=admin)
    await http.post("/staff/teams", data={"name": "Roads", "csrf_token": token_of(page)}, headers=admin)
    page = await http.get("/staff/team", headers=admin)
    team_id = re.search(r'action="/staff/teams/(\d+)/members"', page.text)
    assert team_id is not None
    await http.post(
        f"/staff/teams/{team_id[1]}/members",
        data={"email": colleague_email, "csrf_token": token_of(page)},
        headers=admin,
    )

    form = await http.get(f"/staff/requests/{pothole}/assign", headers=admin)
    assert form.status_code == 200 and colleague_email in form.text
    wrong = await http.post(
        f"/staff/requests/{pothole}/assign",
        data={"person": "someone-else", "team": "none", "csrf_token": token_of(form)},
        headers=admin,
    )
    assert wrong.status_code == 400 and "Select a member of staff, or nobody" in wrong.text
    given = await http.post(
        f"/staff/requests/{pothole}/assign",
        data={"person": colleague_subject, "team": team_id[1], "csrf_token": token_of(form)},
        headers=admin,
    )
    assert given.status_code == 303
    shown = text_of((await http.get(f"/staff/requests/{pothole}", headers=admin)).text)
    assert "in the Roads team" in shown

    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        colleague = {
            **host_for(slug),
            **BROWSER,
            **cookie_header(await sign_in_in_browser(browser, slug, colleague_email)),
        }
    assert REFERENCE.findall((await http.get("/staff/requests", params={"team": "mine"}, headers=colleague)).text) == [
        pothole
    ]
    assert REFERENCE.findall(
        (await http.get("/staff/requests", params={"assignee": "me"}, headers=colleague)).text
    ) == [pothole]
    home = text_of((await http.get("/staff", headers=colleague)).text)
    assert "1 with your teams" in home and "1 assigned to you" in home
