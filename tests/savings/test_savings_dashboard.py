"""A councillor opens the savings dashboard: plain words, three charts anyone can read, the figures as
tables, and nothing that needs JavaScript."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import httpx

from civicshare.db.engine import Database
from civicshare.savings.charts import money_range, month_label, pounds
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.support import host_for


async def test_the_dashboard_shows_the_shift_online_in_charts_and_tables(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
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

    response = await http.get("/staff/savings", params={"from": "2024-01-01", "to": "2024-02-29"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script" not in page
    assert page.count('<svg class="chart"') == 3
    assert page.count('role="img"') == 3
    for chart in ("online-share", "channel-mix", "cumulative-savings"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
    # The description says the point in words: 20 of 100 online in January, 60 of 100 in February.
    assert "rose from 20% in Jan 24 to 60% in Feb 24" in page
    assert page.count("<table>") == 3
    assert "Show these figures as a table" in page
    # Savings: January 20 web contacts at £0.15 instead of £2.83 = 20 x 2.68 = £53.60; February 60 x 2.68 = £160.80.
    assert "£53.60" in page and "£214.40" in page
    assert council.name in page and "#00594f" in page
    assert re.search(r'href="/api/v1/savings/report\.csv\?from=2024-01-01&amp;to=2024-02-29"', page)


async def test_the_dashboard_under_a_path_prefix_links_back_under_it(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    page = (await http.get(f"/t/{council.slug}/staff/savings")).text
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
