"""A council officer opens the savings dashboard in the back office: plain words, three charts anyone can
read, the figures as tables, and nothing that needs JavaScript."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.savings.charts import money_range, month_label, pounds
from civicshare.tenancy.context import TenantContext
from tests.auth.conftest import cookie_header, dev_identity, sign_in_in_browser
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.support import host_for

__all__ = ["dev_identity"]  # the dev identity's fixture, for signing officers in


async def officer_cookies(http: httpx.AsyncClient, dev_identity: DevIdentity, council: TenantContext) -> dict[str, str]:
    await dev_identity.ensure_council(CouncilOrganization(council.slug, council.name, (), True, ()))
    email = f"fin-{council.slug}@example.org"
    await dev_identity.add_staff(council.slug, email, Role.COUNCIL_STAFF)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        return cookie_header(await sign_in_in_browser(browser, council.slug, email))


async def test_the_dashboard_shows_the_shift_online_in_charts_and_tables(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council(branding={"primary_colour": "#00594f"})
    headers = host_for(council.slug)
    await http.post(
        "/api/v1/savings/offline-contacts",
        content="date,service,channel,count\n2024-01-10,report-missed-bin,phone,80\n2024-02-10,report-missed-bin,phone,40\n",
        headers={**headers, "content-type": "text/csv"},
    )
    await http.put("/api/v1/savings/baseline/report-missed-bin", json={"shares": {"phone": "1"}}, headers=headers)
    await record_contacts(database, council, date(2024, 1, 11), "report-missed-bin", "web", 20)
    await record_contacts(database, council, date(2024, 2, 11), "report-missed-bin", "web", 60)

    officer = {**headers, **await officer_cookies(http, dev_identity, council)}
    response = await http.get("/staff/savings", params={"from": "2024-01-01", "to": "2024-02-29"}, headers=officer)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # charts and tables need no script
    # The three savings charts, then one for each of the four service measures (test_service_measures.py).
    assert page.count('<svg class="chart"') == 7
    assert page.count('role="img"') == 7
    for chart in ("online-share", "channel-mix", "cumulative-savings"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
    # The description says the point in words: 20 of 100 online in January, 60 of 100 in February.
    assert "rose from 20% in Jan 24 to 60% in Feb 24" in page
    assert page.count('<table class="govuk-table') == 3 + 6  # and the measures': one beside each chart, two by service
    assert "Show these figures as a table" in page
    # Savings: January 20 web contacts at £0.15 instead of £2.83 = 20 x 2.68 = £53.60; February 60 x 2.68 = £160.80.
    assert "£53.60" in page and "£214.40" in page
    assert re.search(r"Figures as at \d{1,2}:\d\d[ap]m\.", page)  # when they were read: a report is remembered
    assert council.name in page and "#00594f" in page
    assert re.search(r'href="/api/v1/savings/report\.csv\?from=2024-01-01&amp;to=2024-02-29"', page)


async def test_the_dashboard_under_a_path_prefix_links_back_under_it(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    page = (
        await http.get(f"/t/{council.slug}/staff/savings", headers=await officer_cookies(http, dev_identity, council))
    ).text
    assert f'href="/t/{council.slug}/api/v1/savings/report.csv?' in page
    assert "There were no contacts" in page or "no contacts" in page


def test_chart_labels_read_like_people_write_them() -> None:
    assert month_label("2025-03") == "Mar 25"
    assert pounds(1_234_567) == "£1.2m"
    assert pounds(45_000) == "£45k"
    assert pounds(-120) == "-£120"
    assert money_range([]) == (0.0, 100.0)
    assert money_range([Decimal("93569.23")]) == (0.0, 100_000.0)
    assert money_range([Decimal("-1200"), Decimal("4100")]) == (-2000.0, 8000.0)


async def test_the_period_is_chosen_with_date_inputs_and_a_wrong_date_is_named(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    officer = {**host_for(council.slug), **await officer_cookies(http, dev_identity, council)}
    chosen = await http.get(
        "/staff/savings",
        params={
            "from-day": "1",
            "from-month": "4",
            "from-year": "2025",
            "to-day": "31",
            "to-month": "3",
            "to-year": "2026",
        },
        headers=officer,
    )
    assert chosen.status_code == 200
    assert "From 1 April 2025 to 31 March 2026." in chosen.text
    wrong = await http.get(
        "/staff/savings", params={"from-day": "30", "from-month": "2", "from-year": "2025"}, headers=officer
    )
    assert wrong.status_code == 400
    assert "Start date must be a real date" in wrong.text and 'href="#from-day"' in wrong.text
    # Signed out, the dashboard asks for a sign-in like every back-office page
    async with httpx.AsyncClient(base_url=http.base_url) as stranger:
        signed_out = await stranger.get("/staff/savings", headers=host_for(council.slug))
    assert signed_out.status_code == 303
