"""An officer finds a request however they have it to hand: its reference as read over the phone, the
resident's email address, a postcode, a street, the street's USRN; and by the day it came in, a UK day
(a request made at half past midnight in summer came in that day, though it is still the day before in UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import update

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole
from tests.support import host_for, tenant_context_for


def listed(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return re.findall(r'href="/staff/requests/([A-Z]+-\d{4}-\d+)"', page.text)


async def test_an_officer_finds_a_request_by_reference_email_postcode_street_or_usrn_and_by_the_uk_day(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    mill_lane = await report_pothole(http, slug, "grace@example.org")
    church_road = await report_pothole(http, slug, "ravi@example.org")
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        for reference, address, usrn, made in (
            (
                mill_lane,
                "4 Mill Lane, Kingston upon Thames, KT1 1EU",
                "20100123",
                datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
            ),
            (church_road, "9 Church Road, Surbiton, KT6 4QQ", "20100456", datetime(2026, 6, 30, 22, 30, tzinfo=UTC)),
        ):
            await connection.execute(
                update(transactions)
                .where(transactions.c.reference == reference)
                .values(address=address, usrn=usrn, created_at=made)
            )
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    async def search(**query: str) -> list[str]:
        return listed(await http.get("/staff/requests", params=query, headers=officer))

    spoken = mill_lane.lower().replace("-", " ")  # "abcde 2026 000001", as read out over the phone
    assert await search(q=spoken) == [mill_lane]
    assert await search(q="Grace@Example.org") == [mill_lane]
    assert await search(q="kt1 1eu") == [mill_lane]
    assert await search(q="Church Road") == [church_road]
    assert await search(q="20100456") == [church_road]
    assert await search(q="Kingston") == [mill_lane]
    assert await search(q="nowhere@example.org") == []
    assert await search(q="Kingston", page="7") == [mill_lane]  # a page past the last shows the last
    assert await search(page="3") == [church_road, mill_lane]  # due the same day: the older first

    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST); 22:30 UTC is still 30 June there
    on_the_first = {"submitted_from-day": "1", "submitted_from-month": "7", "submitted_from-year": "2026"}
    assert await search(**on_the_first) == [mill_lane]
    on_the_thirtieth = {"submitted_to-day": "30", "submitted_to-month": "6", "submitted_to-year": "2026"}
    assert await search(**on_the_thirtieth) == [church_road]
