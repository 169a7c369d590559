"""Assisted digital and the contact log: an officer keys in a phone caller's missed bin, and the savings
report counts one phone contact, never a web one; contacts that make no request are logged by reason
and add to the day's offline counts, which a later CSV import of the same day does not wipe out.
Another council's officers are refused, and bad input gets GOV.UK error messages."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from civicshare.casework.service import Officer
from civicshare.casework.tables import staff_actions
from civicshare.casework.teams import council_teams, create_team, join_team
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.modules.working_days import uk_today
from civicshare.tenancy.tables import tenants
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, bearer, sign_in_in_browser, staff_token
from tests.staff.test_back_office_pages import BROWSER, text_of
from tests.support import host_for, tenant_context_for

WASTE = {"modules": {"waste": {"enabled": True}}}
MISSED_BIN = "report-missed-bin"


class OfficersBrowser:
    """An officer's browser: it keeps the cookies the council's pages set (sign-in, the form in progress)."""

    def __init__(self, http: httpx.AsyncClient, slug: str, cookies: dict[str, str], subject: str = "") -> None:
        self.http = http
        self.subject = subject
        self.slug = slug
        self.cookies = dict(cookies)
        self.token = ""

    @property
    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        return {**host_for(self.slug), **BROWSER, "Cookie": cookie}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        self.cookies.update(response.cookies)
        if found := CSRF_INPUT.search(response.text):
            self.token = found[1]
        return response

    async def get(self, path: str, **params: str) -> httpx.Response:
        return self._keep(await self.http.get(path, params=params or None, headers=self.headers))

    async def post(self, path: str, form: dict[str, str]) -> httpx.Response:
        if not self.token:
            await self.get("/staff")
        return self._keep(await self.http.post(path, data={**form, "csrf_token": self.token}, headers=self.headers))


async def live_council_of_our_own(council: CouncilWithOrganization, database: Database) -> str:
    """A council with the waste services, gone live: its requests count in the savings figures."""
    slug = await council(**WASTE)
    async with database.engine.begin() as connection:
        await connection.execute(update(tenants).where(tenants.c.slug == slug).values(mode="live"))
    return slug


async def officer_at(
    http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str, works_for: str = ""
) -> OfficersBrowser:
    email = f"omar-{uuid.uuid4().hex[:6]}@example.org"
    subject = await dev_identity.add_staff(works_for or slug, email, Role.COUNCIL_STAFF)
    async with httpx.AsyncClient(base_url=http.base_url) as own_browser:
        cookies = await sign_in_in_browser(own_browser, works_for or slug, email)
    return OfficersBrowser(http, slug, cookies, subject)


def date_typed(name: str, days_from_today: int = 0) -> dict[str, str]:
    day = uk_today() + timedelta(days=days_from_today)
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


async def phone_lines(http: httpx.AsyncClient, officer: OfficersBrowser) -> dict[tuple[str, str], int]:
    """Today's contacts per service and channel, as the savings report counts them."""
    today = uk_today().isoformat()
    answer = await http.get(
        "/api/v1/savings/report",
        params={"from": today, "to": today, "group_by": "service,channel"},
        headers={**officer.headers, "Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    return {(line["service"], line["channel"]): line["figures"]["volume"] for line in answer.json()["report"]["lines"]}


async def test_an_officer_keys_in_a_phone_callers_missed_bin_and_savings_count_one_phone_contact(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await live_council_of_our_own(council, database)
    officer = await officer_at(http, dev_identity, slug)

    start = await officer.get("/staff/assisted")
    assert start.status_code == 200
    assert "Report a missed bin collection" in start.text and "Letter" in text_of(start.text)
    begun = await officer.post("/staff/assisted", {"service": MISSED_BIN, "channel": "phone"})
    assert begun.status_code == 303
    assert begun.headers["location"] == f"/staff/assisted/{MISSED_BIN}/address"

    address_page = await officer.get(begun.headers["location"])
    assert "Building and street" in address_page.text and "(phone)" in address_page.text
    to_bin = await officer.post(
        f"/staff/assisted/{MISSED_BIN}/address", {"address_line": "12 Acacia Avenue", "postcode": "kt1 1eu"}
    )
    assert to_bin.headers["location"] == f"/staff/assisted/{MISSED_BIN}/bin"
    to_contact = await officer.post(
        f"/staff/assisted/{MISSED_BIN}/bin", {"bin_type": "recycling", **date_typed("collection_date")}
    )
    assert to_contact.headers["location"] == f"/staff/assisted/{MISSED_BIN}/contact"
    to_check = await officer.post(f"/staff/assisted/{MISSED_BIN}/contact", {"caller_email": ""})  # no email
    assert to_check.headers["location"] == f"/staff/assisted/{MISSED_BIN}/check"

    check = text_of((await officer.get(to_check.headers["location"])).text)
    assert "12 Acacia Avenue" in check and "Recycling" in check
    assert "How they contacted us Phone" in check and "Email address Not given" in check
    before_sending = dict(officer.cookies)
    sent = await officer.post(f"/staff/assisted/{MISSED_BIN}/check", {})
    assert sent.status_code == 303
    reference = sent.headers["location"].removeprefix("/staff/assisted?sent=")
    banner = text_of((await officer.get(sent.headers["location"])).text)
    assert f"Request {reference} sent: Report a missed bin collection, by phone" in banner

    # "Send" clicked twice: the second click carries the form as it was, and is the same request
    double_click = OfficersBrowser(http, slug, before_sending)
    double_click.token = officer.token
    again = await double_click.post(f"/staff/assisted/{MISSED_BIN}/check", {})
    assert again.headers["location"] == sent.headers["location"]
    # Once sent, the form is gone: sending again from this browser starts a new call
    assert (await officer.post(f"/staff/assisted/{MISSED_BIN}/check", {})).headers["location"] == "/staff/assisted"

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        made = (await connection.execute(select(transactions).where(transactions.c.service == MISSED_BIN))).all()
        keyed_in = (await connection.execute(select(staff_actions).where(staff_actions.c.action == "keyed_in"))).all()
    assert len(made) == 1
    assert (made[0].reference, made[0].channel, made[0].submitter_kind) == (reference, "phone", "staff")
    assert made[0].contact_email is None
    assert len(keyed_in) == 1 and made[0].staff_subject == keyed_in[0].actor_subject
    assert keyed_in[0].reference == reference and keyed_in[0].detail == {"service": MISSED_BIN, "channel": "phone"}

    assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 1}

    request_page = text_of((await officer.get(f"/staff/requests/{reference}")).text)
    assert "Channel Phone" in request_page and "Submitted by A member of staff" in request_page


async def test_a_service_with_a_fee_is_not_sent_from_the_back_office(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**WASTE)
    officer = await officer_at(http, dev_identity, slug)
    await officer.post("/staff/assisted", {"service": "garden-waste-subscription", "channel": "face_to_face"})
    await officer.post(
        "/staff/assisted/garden-waste-subscription/address", {"address_line": "1 High St", "postcode": "KT1 1EU"}
    )
    subscription = {"bins": "1", **date_typed("start_date", 7)}
    await officer.post("/staff/assisted/garden-waste-subscription/subscription", subscription)
    await officer.post("/staff/assisted/garden-waste-subscription/contact", {"caller_email": "sam@example.org"})

    check = text_of((await officer.get("/staff/assisted/garden-waste-subscription/check")).text)
    assert "This request costs £50, and payments cannot be taken in the back office" in check
    assert "/services/garden-waste-subscription" in check
    refused = await officer.post("/staff/assisted/garden-waste-subscription/check", {})
    assert refused.headers["location"] == "/staff/assisted/garden-waste-subscription/check"
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        assert (await connection.execute(select(transactions))).first() is None


async def test_bad_input_gets_govuk_error_messages(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**WASTE)
    officer = await officer_at(http, dev_identity, slug)

    nothing_chosen = await officer.post("/staff/assisted", {"service": "", "channel": "carrier-pigeon"})
    assert nothing_chosen.status_code == 400
    said = text_of(nothing_chosen.text)
    assert "There is a problem" in said
    assert "Select the service they want" in said and "Select how they contacted us" in said

    await officer.post("/staff/assisted", {"service": MISSED_BIN, "channel": "letter"})
    no_postcode = await officer.post(f"/staff/assisted/{MISSED_BIN}/address", {"address_line": "2 Mill Lane"})
    assert no_postcode.status_code == 400
    assert 'href="#postcode"' in no_postcode.text and "Enter a postcode" in no_postcode.text
    assert 'value="2 Mill Lane"' in no_postcode.text  # what was typed stays
    await officer.post(f"/staff/assisted/{MISSED_BIN}/address", {"address_line": "2 Mill Lane", "postcode": "KT1 1EU"})
    bad_email = await officer.post(f"/staff/assisted/{MISSED_BIN}/contact", {"caller_email": "not an email"})
    assert bad_email.status_code == 400
    assert "Enter an email address in the correct format, like name@example.com" in bad_email.text
    # The check page sends the officer back to the step still needing an answer
    unfinished = await officer.get(f"/staff/assisted/{MISSED_BIN}/check")
    assert unfinished.headers["location"] == f"/staff/assisted/{MISSED_BIN}/bin"

    empty_log = await officer.post("/staff/contacts", {"count": "0", "reference": "KNG-2020-999999"})
    assert empty_log.status_code == 400
    said = text_of(empty_log.text)
    for message in (
        "Select the service they contacted us about",
        "Select how they contacted us",
        "Select why they contacted us",
        "Number of contacts must be between 1 and 100",
        "has no request KNG-2020-999999: check the reference, or leave it blank",
    ):
        assert message in said, message
    assert "No contacts logged today yet" in said


async def test_a_logged_contact_adds_to_the_days_count_and_a_later_import_keeps_it(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await live_council_of_our_own(council, database)
    officer = await officer_at(http, dev_identity, slug)
    await officer.post("/staff/assisted", {"service": MISSED_BIN, "channel": "phone"})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/address", {"address_line": "3 Elm Row", "postcode": "KT1 1EU"})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/bin", {"bin_type": "food", **date_typed("collection_date")})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/contact", {"caller_email": "kay@example.org"})
    reference = (await officer.post(f"/staff/assisted/{MISSED_BIN}/check", {})).headers["location"].split("=")[1]
    assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 1}

    # The caller rings back to chase it: no new request, one more phone contact
    chased = await officer.post(
        "/staff/contacts",
        {"service": MISSED_BIN, "channel": "phone", "reason": "chasing", "reference": reference.lower(), "count": "1"},
    )
    assert chased.status_code == 303
    assert chased.headers["location"] == "/staff/contacts?done=logged"
    assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 2}
    log = text_of((await officer.get(chased.headers["location"])).text)
    assert "Contact logged" in log and "1 contact logged today" in log
    assert f"Report a missed bin collection Phone Chasing a request {reference} 1" in log

    # The contact centre's file for today arrives later: it replaces imported counts, never logged ones.
    # Its 10 calls include the call the request was keyed in on, so that one is not counted again.
    day = uk_today().isoformat()
    importer = await staff_token(dev_identity, f"contact-centre-{slug}@example.org", slug)
    for _ in range(2):
        imported = await http.post(
            "/api/v1/savings/offline-contacts",
            content=f"date,service,channel,count\n{day},{MISSED_BIN},phone,10\n",
            headers={**bearer(importer, slug), "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 11}

    # A letter of complaint about three missed collections, and a wrong-council visit
    await officer.post(
        "/staff/contacts", {"service": MISSED_BIN, "channel": "letter", "reason": "complaint", "count": "3"}
    )
    await officer.post(
        "/staff/contacts", {"service": MISSED_BIN, "channel": "face_to_face", "reason": "wrong_council", "count": "1"}
    )
    assert await phone_lines(http, officer) == {
        (MISSED_BIN, "phone"): 11,
        (MISSED_BIN, "letter"): 3,
        (MISSED_BIN, "face_to_face"): 1,
    }
    log = text_of((await officer.get("/staff/contacts")).text)
    assert "5 contacts logged today" in log and "Wrong council" in log and "Complaint" in log

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        logged = (
            await connection.execute(
                select(staff_actions.c.reference, staff_actions.c.detail)
                .where(staff_actions.c.action == "logged_contact")
                .order_by(staff_actions.c.id)
            )
        ).all()
    assert [(row.reference, row.detail["reason"], row.detail["count"]) for row in logged] == [
        (reference, "chasing", 1),
        (None, "complaint", 3),
        (None, "wrong_council", 1),
    ]


async def key_in_a_missed_bin(officer: OfficersBrowser, channel: str) -> str:
    await officer.post("/staff/assisted", {"service": MISSED_BIN, "channel": channel})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/address", {"address_line": "9 Oak Lane", "postcode": "KT1 1EU"})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/bin", {"bin_type": "food", **date_typed("collection_date")})
    await officer.post(f"/staff/assisted/{MISSED_BIN}/contact", {"caller_email": ""})
    sent = await officer.post(f"/staff/assisted/{MISSED_BIN}/check", {})
    assert sent.status_code == 303
    return str(sent.headers["location"]).split("=")[1]


async def todays_totals(http: httpx.AsyncClient, officer: OfficersBrowser) -> dict[str, Any]:
    today = uk_today().isoformat()
    answer = await http.get(
        "/api/v1/savings/report",
        params={"from": today, "to": today},
        headers={**officer.headers, "Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_keyed_in_request_is_the_staffed_call_it_came_on_and_an_imported_phone_log_does_not_count_it_twice(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await live_council_of_our_own(council, database)
    officer = await officer_at(http, dev_identity, slug)
    # Two callers phone and an officer keys in their missed bins; a third comes in person.
    for channel in ("phone", "phone", "face_to_face"):
        await key_in_a_missed_bin(officer, channel)
    # Keyed-in requests are staffed contacts, never web: 2 x 2.83 + 1 x 8.62 = 14.28.
    totals = (await todays_totals(http, officer))["report"]["totals"]
    assert (totals["volume"], totals["digital_volume"], totals["actual_cost"]) == (3, 0, "14.28")

    importer = await staff_token(dev_identity, f"contact-centre-{slug}@example.org", slug)

    async def import_phone_log(count: int) -> None:
        imported = await http.post(
            "/api/v1/savings/offline-contacts",
            content=f"date,service,channel,count\n{uk_today().isoformat()},{MISSED_BIN},phone,{count}\n",
            headers={**bearer(importer, slug), "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text

    # The contact centre's log for today: 5 missed-bin calls, the two keyed-in ones among them.
    # Phone = the log's 5 (not 5 + 2 = 7); face to face = the 1 keyed in: 5 x 2.83 + 8.62 = 22.77.
    await import_phone_log(5)
    assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 5, (MISSED_BIN, "face_to_face"): 1}
    totals = (await todays_totals(http, officer))["report"]["totals"]
    assert (totals["volume"], totals["digital_volume"], totals["actual_cost"]) == (6, 0, "22.77")
    # A log that missed calls (1, fewer than the 2 keyed in) cannot make them disappear: phone = 2.
    await import_phone_log(1)
    assert await phone_lines(http, officer) == {(MISSED_BIN, "phone"): 2, (MISSED_BIN, "face_to_face"): 1}


async def test_avoidable_contact_is_the_share_of_chasing_repeat_and_wrong_council_contacts_and_its_cost(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await live_council_of_our_own(council, database)
    officer = await officer_at(http, dev_identity, slug)
    for channel, reason, count in (
        ("phone", "chasing", "2"),
        ("phone", "repeat", "1"),
        ("face_to_face", "wrong_council", "1"),
        ("phone", "information", "1"),
    ):
        logged = await officer.post(
            "/staff/contacts", {"service": MISSED_BIN, "channel": channel, "reason": reason, "count": count}
        )
        assert logged.status_code == 303, logged.text
    importer = await staff_token(dev_identity, f"contact-centre-{slug}@example.org", slug)
    imported = await http.post(
        "/api/v1/savings/offline-contacts",
        content=f"date,service,channel,count\n{uk_today().isoformat()},{MISSED_BIN},phone,20\n",
        headers={**bearer(importer, slug), "content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text

    avoidable = (await todays_totals(http, officer))["avoidable_contact"]
    month = uk_today().strftime("%Y-%m")
    # Contacts: 20 imported calls + 5 logged (2 + 1 + 1 + 1) = 25. Avoidable: 2 chasing + 1 repeat +
    # 1 wrong council = 4, a share of 4 / 25 = 0.16; the information call is not avoidable.
    # Cost: 3 calls x 2.83 + 1 visit x 8.62 = 8.49 + 8.62 = 17.11.
    expected = {
        "month": month,
        "service": MISSED_BIN,
        "contacts": 25,
        "avoidable": 4,
        "by_reason": {"chasing": 2, "repeat": 1, "wrong_council": 1},
        "cost": "17.11",
        "share": "0.1600",
    }
    assert avoidable["lines"] == [expected]
    assert avoidable["total"] == {**expected, "month": None, "service": None}
    log = text_of((await officer.get("/staff/contacts")).text)
    assert "Again about the same matter" in log


async def test_another_councils_officer_is_refused(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**WASTE), await council(**WASTE)
    outsider = await officer_at(http, dev_identity, ours, works_for=theirs)
    for path in ("/staff/assisted", "/staff/contacts", f"/staff/assisted/{MISSED_BIN}/address"):
        refused = await outsider.get(path)
        assert refused.status_code == 403, path
        assert "You do not work for" in refused.text
    await outsider.get("/")  # a page of the council's website gives their browser a genuine form token
    assert outsider.token
    for path, form in (
        ("/staff/assisted", {"service": MISSED_BIN, "channel": "phone"}),
        ("/staff/contacts", {"service": MISSED_BIN, "channel": "phone", "reason": "chasing", "count": "1"}),
    ):
        refused = await outsider.post(path, form)
        assert refused.status_code == 403, path
        assert "You do not work for" in refused.text
    async with httpx.AsyncClient(base_url=http.base_url) as stranger:
        signed_out = await stranger.get("/staff/contacts", headers={**host_for(ours), **BROWSER})
    assert signed_out.status_code == 303


async def test_an_officer_in_a_highways_team_keys_in_and_logs_highways_contacts_only(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(modules={"waste": {"enabled": True}, "highways": {"enabled": True}})
    officer = await officer_at(http, dev_identity, slug)
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        admin = Officer("admin", "Ada Admin")
        await create_team(connection, admin, "Highways", ("report-pothole",))
        team_id = (await council_teams(connection))[0].id
        await join_team(connection, admin, team_id, officer.subject, "omar@example.org")

    start = await officer.get("/staff/assisted")
    assert "Report a pothole" in start.text and "Report a missed bin collection" not in start.text
    not_ours = await officer.post("/staff/assisted", {"service": MISSED_BIN, "channel": "phone"})
    assert not_ours.status_code == 400 and "Select the service they want" in not_ours.text
    assert (await officer.get(f"/staff/assisted/{MISSED_BIN}/address")).status_code == 403
    logged = await officer.post(
        "/staff/contacts", {"service": MISSED_BIN, "channel": "phone", "reason": "information", "count": "1"}
    )
    assert logged.status_code == 400 and "Select the service they contacted us about" in logged.text
    pothole = await officer.post("/staff/assisted", {"service": "report-pothole", "channel": "webchat"})
    assert pothole.status_code == 303
