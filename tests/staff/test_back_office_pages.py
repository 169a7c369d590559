"""A council officer works requests in the browser: signs in and lands on the staff home, finds the
overdue pothole at the top of the queue, opens it, and resolves it with a reason the resident reads.
Nobody from another council, and nobody signed out, gets in."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

import httpx
from sqlalchemy import func, select, update

from civicshare.app import discover_modules
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.modules.working_days import uk_today
from civicshare.savings.demo_loader import load_demo_data
from civicshare.transactions.tables import transactions
from tests.auth.conftest import (
    CSRF_INPUT,
    CouncilWithOrganization,
    cookie_header,
    landing_after_sign_in,
    sign_in_in_browser,
)
from tests.support import host_for, tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
BROWSER = {"Accept": "text/html"}


async def report_pothole(http: httpx.AsyncClient, slug: str, email: str, size: str = "large") -> str:
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {"latitude": "51.41", "longitude": "-0.30", "size": size, "on": "road"},
            "channel": "web",
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def make_overdue(database: Database, slug: str, reference: str, working_days_late: int = 3) -> None:
    """Time passes: the request's deadline was a week ago."""
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(
            update(transactions)
            .where(transactions.c.reference == reference)
            .values(due_on=uk_today() - timedelta(days=7 + working_days_late))
        )


async def officer_of(
    http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str, role: Role = Role.COUNCIL_STAFF
) -> dict[str, str]:
    email = f"olive-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, email, role)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:  # a browser of their own
        return await sign_in_in_browser(browser, slug, email)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def test_an_officer_signs_in_to_the_staff_home_and_a_resident_does_not(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    email = f"olive-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, email, Role.COUNCIL_STAFF)
    page = await http.get("/dev-identity/sign-in", params={"next": "/"}, headers=host_for(slug))
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    cookies = {"civicshare_csrf": page.cookies["civicshare_csrf"]}
    for who, lands_on in ((email, "/staff"), ("rosa.resident@example.org", "/")):
        signed_in = await http.post(
            "/dev-identity/sign-in",
            data={"email": who, "next": "/", "csrf_token": token[1]},
            headers={**host_for(slug), **cookie_header(cookies)},
        )
        assert signed_in.status_code == 303
        assert await landing_after_sign_in(http, signed_in) == lands_on

    # Signing in from a page of the resident site still brings an officer back to that page
    back = await http.post(
        "/dev-identity/sign-in",
        data={"email": email, "next": "/track", "csrf_token": token[1]},
        headers={**host_for(slug), **cookie_header(cookies)},
    )
    assert await landing_after_sign_in(http, back) == "/track"


async def test_an_officer_finds_the_overdue_pothole_first_and_resolves_it_for_the_resident(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    recent = await report_pothole(http, slug, "ravi@example.org", size="small")
    overdue = await report_pothole(http, slug, "grace@example.org")
    await make_overdue(database, slug, overdue)
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    home = await http.get("/staff", headers=officer)
    assert home.status_code == 200, home.text
    home_text = text_of(home.text)
    assert "1 overdue" in home_text and "2 open requests" in home_text
    assert "Signed in as" in home_text

    queue = await http.get("/staff/requests", headers=officer)
    assert queue.status_code == 200
    listed = re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', queue.text)
    assert listed == [overdue, recent]  # soonest due first: the overdue one at the top
    assert "Overdue by" in text_of(queue.text)

    # Filters: overdue only; a search by the resident's email; a date that is not one
    only_overdue = await http.get("/staff/requests", params={"due": "overdue"}, headers=officer)
    assert re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', only_overdue.text) == [overdue]
    by_email = await http.get("/staff/requests", params={"q": "RAVI@example.org"}, headers=officer)
    assert re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', by_email.text) == [recent]
    not_a_date = await http.get(
        "/staff/requests",
        params={"submitted_from-day": "31", "submitted_from-month": "2", "submitted_from-year": "2026"},
        headers=officer,
    )
    assert not_a_date.status_code == 400
    assert "Submitted from must be a real date" in not_a_date.text
    assert 'href="#submitted_from-day"' in not_a_date.text

    request_page = await http.get(f"/staff/requests/{overdue}", headers=officer)
    assert request_page.status_code == 200
    page_text = text_of(request_page.text)
    assert "grace@example.org" in page_text and "Large" in page_text  # the resident's answers, in words
    assert "Overdue by" in page_text
    token = CSRF_INPUT.search(request_page.text)
    assert token is not None

    taken = await http.post(
        f"/staff/requests/{overdue}/assignee", data={"assignee": "me", "csrf_token": token[1]}, headers=officer
    )
    assert taken.status_code == 303
    noted = await http.post(
        f"/staff/requests/{overdue}/notes",
        data={"note": "Gang 4 can fill it on Thursday", "csrf_token": token[1]},
        headers=officer,
    )
    assert noted.status_code == 303
    mine = await http.get("/staff/requests", params={"assignee": "me"}, headers=officer)
    assert re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', mine.text) == [overdue]
    assert "1 assigned to you" in text_of((await http.get("/staff", headers=officer)).text)

    no_reason = await http.post(
        f"/staff/requests/{overdue}/status", data={"status": "resolved", "csrf_token": token[1]}, headers=officer
    )
    assert no_reason.status_code == 400
    assert "Enter a reason for this decision" in no_reason.text

    resolved = await http.post(
        f"/staff/requests/{overdue}/status",
        data={"status": "resolved", "reason": "Filled on 3 December", "reason_public": "yes", "csrf_token": token[1]},
        headers=officer,
    )
    assert resolved.status_code == 303
    assert resolved.headers["location"] == f"/staff/requests/{overdue}?done=moved"
    after = text_of((await http.get(resolved.headers["location"], headers=officer)).text)
    assert f"Status saved: request {overdue} is fixed" in after
    assert "Internal note" in after and "Gang 4 can fill it on Thursday" in after

    tracked = await http.get(
        f"/api/v1/transactions/{overdue}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["decision"]["reason"] == "Filled on 3 December"
    assert "Gang 4" not in tracked.text  # the internal note stays inside the council
    still_open = await http.get("/staff/requests", headers=officer)
    assert re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', still_open.text) == [recent]


async def test_nobody_outside_the_council_reaches_its_back_office(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**HIGHWAYS), await council(**HIGHWAYS)
    reference = await report_pothole(http, ours, "grace@example.org")
    outsider = {**host_for(ours), **BROWSER, **cookie_header(await officer_of(http, dev_identity, theirs))}
    for path in ("/staff", "/staff/requests", f"/staff/requests/{reference}"):
        refused = await http.get(path, headers=outsider)
        assert refused.status_code == 403, path
        async with httpx.AsyncClient(base_url=http.base_url) as stranger:  # a browser that never signed in
            signed_out = await stranger.get(path, headers={**host_for(ours), **BROWSER})
        assert signed_out.status_code == 303, path
        assert signed_out.headers["location"].startswith("/auth/sign-in?next=%2Fstaff")
    moved = await http.post(f"/staff/requests/{reference}/status", data={"status": "in_progress"}, headers=outsider)
    assert moved.status_code == 403

    # An officer of the council itself cannot reach another council's request by its reference
    their_reference = await report_pothole(http, theirs, "grace@example.org")
    officer = {**host_for(ours), **BROWSER, **cookie_header(await officer_of(http, dev_identity, ours))}
    assert (await http.get(f"/staff/requests/{their_reference}", headers=officer)).status_code == 404


async def test_a_council_admin_reads_who_opened_and_changed_a_request_and_an_officer_cannot(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    started = await http.post(
        f"/staff/requests/{reference}/status", data={"status": "in_progress", "csrf_token": token[1]}, headers=officer
    )
    assert started.status_code == 303

    assert (await http.get("/staff/audit", headers=officer)).status_code == 403
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    audit = await http.get("/staff/audit", params={"reference": reference.lower()}, headers=admin)
    assert audit.status_code == 200
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", audit.text, re.S)[1:]
    said = [text_of(row) for row in rows]
    assert len(said) == 2  # newest first: the status change, then the view
    assert "Changed the status" in said[0] and "to: in_progress" in said[0]
    assert "Opened" in said[1] and reference in said[1]


async def test_an_officer_keeps_a_filter_and_downloads_the_filtered_queue(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    late = await report_pothole(http, slug, "grace@example.org")
    await report_pothole(http, slug, "ravi@example.org")
    await make_overdue(database, slug, late)
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    colleague = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    queue = await http.get("/staff/requests", params={"due": "overdue"}, headers=officer)
    token = CSRF_INPUT.search(queue.text)
    assert token is not None
    nameless = await http.post(
        "/staff/requests/saved", data={"name": " ", "query": "due=overdue", "csrf_token": token[1]}, headers=officer
    )
    assert nameless.status_code == 400 and "Enter a name for this filter" in nameless.text
    kept = await http.post(
        "/staff/requests/saved",
        data={"name": "My overdue potholes", "query": "due=overdue&page=3", "csrf_token": token[1]},
        headers=officer,
    )
    assert kept.status_code == 303 and kept.headers["location"] == "/staff/requests?due=overdue"
    assert (
        'href="/staff/requests?due=overdue">My overdue potholes</a>'
        in (await http.get("/staff/requests", headers=officer)).text
    )
    assert "My overdue potholes" not in (await http.get("/staff/requests", headers=colleague)).text

    download = await http.get("/staff/requests.csv", params={"due": "overdue"}, headers=officer)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    lines = download.text.strip().splitlines()
    assert lines[0].startswith("reference,service,status,due")
    assert len(lines) == 2 and lines[1].startswith(f"{late},Report a pothole,Received,Overdue by")
    assert "grace@example.org" in lines[1]


async def test_saved_filters_show_beside_an_empty_queue_and_a_page_past_the_last_shows_the_last(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    """The queue reads its page, its count and the officer's saved filters in one statement: an empty
    page must still bring the filters, and the count must still say how many there are."""
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug, "grace@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    queue = await http.get("/staff/requests", headers=officer)
    token = CSRF_INPUT.search(queue.text)
    assert token is not None
    for name, query in (("Waste overdue", "due=overdue&service=report-missed-bin"), ("Assigned to me", "assignee=me")):
        kept = await http.post(
            "/staff/requests/saved", data={"name": name, "query": query, "csrf_token": token[1]}, headers=officer
        )
        assert kept.status_code == 303

    empty = await http.get("/staff/requests", params={"assignee": "me"}, headers=officer)
    assert empty.status_code == 200
    assert "No requests match these filters" in text_of(empty.text)
    assert re.findall(r'href="/staff/requests\?[^"]+">([^<]+)</a>', empty.text)[:2] == [
        "Assigned to me",
        "Waste overdue",
    ]
    past = await http.get("/staff/requests", params={"page": "4"}, headers=officer)
    assert "Showing 1 to 1 of 1 requests" in text_of(past.text)
    assert f'href="/staff/requests/{reference}"' in past.text and "Assigned to me" in past.text


async def test_the_demo_gives_officers_requests_in_every_state_some_overdue(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    tenant = await tenant_context_for(database, slug)
    await load_demo_data(database, [tenant], months=3, registry=discover_modules())
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    async with tenant_connection(database.engine, tenant) as connection:
        total = (await connection.execute(select(func.count()).select_from(transactions))).scalar_one()
    home = text_of((await http.get("/staff", headers=officer)).text)
    found = re.search(r"([\d,]+) overdue .* ([\d,]+) open requests", home)
    assert found is not None
    overdue, still_open = (int(number.replace(",", "")) for number in found.groups())
    assert 0 < overdue < still_open < total  # closed requests are closed, some open ones are late
    closed = await http.get("/staff/requests", params={"state": "closed"}, headers=officer)
    assert "Showing 1 to 25 of" in text_of(closed.text)


STAFF_PAGES = (
    "/staff",
    "/staff/requests",
    "/staff/requests.csv",
    "/staff/exports",
    "/staff/exports/1/file",
    "/staff/requests/{reference}",
    "/staff/requests/{reference}/assign",
    "/staff/responses",
    "/staff/responses/new",
    "/staff/team",
    "/staff/audit",
    "/staff/savings",
    "/staff/assisted",
    "/staff/contacts",
)
STAFF_ACTIONS = (
    ("/staff/requests/{reference}/status", {"status": "rejected", "reason": "not ours"}),
    ("/staff/requests/{reference}/assignee", {"assignee": "me"}),
    ("/staff/requests/{reference}/assign", {"person": "nobody", "team": "none"}),
    ("/staff/requests/{reference}/notes", {"note": "looked"}),
    ("/staff/requests/{reference}/duplicate", {"original": "{reference}"}),
    ("/staff/requests/bulk", {"reference": "{reference}", "action": "move", "status": "rejected", "reason": "x"}),
    ("/staff/requests/saved", {"name": "mine", "query": "due=overdue"}),
    ("/staff/responses/new", {"service": "", "title": "t", "body": "b"}),
    ("/staff/team/members", {"email": "someone@example.org", "role": "council-admin"}),
    ("/staff/teams", {"name": "Takeover"}),
    ("/staff/assisted", {"service": "report-pothole", "channel": "phone"}),
    ("/staff/contacts", {"service": "report-pothole", "channel": "phone", "reason": "chasing", "count": "1"}),
)


async def test_another_councils_administrator_gets_no_page_and_changes_nothing(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**HIGHWAYS), await council(**HIGHWAYS)
    reference = await report_pothole(http, ours, "grace@example.org")
    their_admin = cookie_header(await officer_of(http, dev_identity, theirs, Role.COUNCIL_ADMIN))
    own_page = await http.get("/staff/requests", headers={**host_for(theirs), **BROWSER, **their_admin})
    token = CSRF_INPUT.search(own_page.text)
    assert token is not None  # a genuine token of theirs: only the council stands in the way
    at_ours = {**host_for(ours), **BROWSER, **their_admin}
    for path in STAFF_PAGES:
        answer = await http.get(path.format(reference=reference), headers=at_ours)
        assert answer.status_code == 403, (path, answer.status_code)
    for path, form in STAFF_ACTIONS:
        data = {key: value.format(reference=reference) for key, value in form.items()}
        answer = await http.post(
            path.format(reference=reference), data={**data, "csrf_token": token[1]}, headers=at_ours
        )
        assert answer.status_code == 403, (path, answer.status_code)

    officer = {
        **host_for(ours),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, ours, Role.COUNCIL_ADMIN)),
    }
    page = text_of((await http.get(f"/staff/requests/{reference}", headers=officer)).text)
    assert "Nobody yet" in page and "looked" not in page and "Received" in page
    assert "Takeover" not in (await http.get("/staff/team", headers=officer)).text
    audit = text_of((await http.get("/staff/audit", headers=officer)).text)
    assert "Changed the status" not in audit and "Added a note" not in audit
