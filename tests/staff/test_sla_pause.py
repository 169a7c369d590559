"""While the council waits on the resident (a missing detail, evidence), the service level clock stands
still: the request is neither overdue nor due, and when the officer takes it up again its deadline has
moved on by the working days it waited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.modules.working_days import UK_TIME, add_working_days, uk_today, working_days_between
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, make_overdue, officer_of, text_of
from tests.support import host_for, tenant_context_for

WASTE = {"modules": {"waste": {"enabled": True}}}
LISTED = re.compile(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"')


async def order_bin(http: httpx.AsyncClient, slug: str) -> str:
    answer = await http.post(
        "/api/v1/services/order-bin/transactions",
        json={
            "answers": {
                "address_line": "12 Acacia Avenue",
                "postcode": "KT1 1EU",
                "bin_type": "rubbish",
                "reason": "damaged",
            },
            "channel": "web",
            "contact_email": "amara@example.org",
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def test_waiting_for_the_resident_stops_the_clock_and_taking_it_up_again_moves_the_deadline_on(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**WASTE)
    reference = await order_bin(http, slug)
    await make_overdue(database, slug, reference)
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    assert "1 overdue" in text_of((await http.get("/staff", headers=officer)).text)

    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    assert "Waiting for your reply" in page.text  # offered as a next move, in the resident's words
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    asked = await http.post(
        f"/staff/requests/{reference}/status",
        data={"status": "awaiting_resident", "csrf_token": token[1]},
        headers=officer,
    )
    assert asked.status_code == 303, asked.text

    waiting = text_of((await http.get(f"/staff/requests/{reference}", headers=officer)).text)
    assert "Clock stopped since" in waiting and "waiting for the resident" in waiting
    assert "Overdue by" not in waiting
    assert "0 overdue" in text_of((await http.get("/staff", headers=officer)).text)
    overdue_only = await http.get("/staff/requests", params={"due": "overdue"}, headers=officer)
    assert LISTED.findall(overdue_only.text) == []
    everything = await http.get("/staff/requests", headers=officer)
    assert LISTED.findall(everything.text) == [reference] and "Clock stopped since" in everything.text

    # Eight calendar days pass while the council waits for the resident's reply
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        due_before = (
            await connection.execute(select(transactions.c.due_on).where(transactions.c.reference == reference))
        ).scalar_one()
        paused_at = datetime.now(UTC) - timedelta(days=8)
        await connection.execute(
            update(transactions).where(transactions.c.reference == reference).values(sla_paused_at=paused_at)
        )
    replied = await http.post(
        f"/staff/requests/{reference}/status",
        data={"status": "under_review", "csrf_token": token[1]},
        headers=officer,
    )
    assert replied.status_code == 303, replied.text

    async with tenant_connection(database.engine, tenant) as connection:
        due_after, paused = (
            await connection.execute(
                select(transactions.c.due_on, transactions.c.sla_paused_at).where(transactions.c.reference == reference)
            )
        ).one()
    waited = working_days_between(paused_at.astimezone(UK_TIME).date(), uk_today())
    assert paused is None
    assert due_after == add_working_days(due_before, waited) and waited >= 5
    running = text_of((await http.get(f"/staff/requests/{reference}", headers=officer)).text)
    assert "Clock stopped" not in running
    assert ("working days left" in running) or ("Overdue by" in running) or ("Due today" in running)


async def test_refusing_a_request_that_waits_on_the_resident_closes_it_with_the_clock(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**WASTE)
    reference = await order_bin(http, slug)
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    for move in ({"status": "awaiting_resident"}, {"status": "refused", "reason": "No reply after 28 days"}):
        answer = await http.post(
            f"/staff/requests/{reference}/status", data={**move, "csrf_token": token[1]}, headers=officer
        )
        assert answer.status_code == 303, answer.text
    closed = text_of((await http.get(f"/staff/requests/{reference}", headers=officer)).text)
    assert "Clock stopped" not in closed and "Closed" in closed
