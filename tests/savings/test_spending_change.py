"""The change in spending, its own figure beside cost avoided, cashable saving and change in demand: what
handling this period's contacts cost less what the baseline's contacts would cost over the same days,
both at each day's unit costs. Worked out by hand.

The baseline (as in test_cashable_savings): 100 pothole calls in February 2024 (29 days); reports
cover 1 to 29 April 2024, 29 days, so the baseline's volume for the period is exactly 100 calls.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.savings.test_cashable_savings import (
    APRIL,
    POTHOLE,
    april_report,
    council_with_february_baseline,
    import_counts,
)
from tests.savings.test_savings_dashboard import dev_identity, officer_cookies
from tests.support import host_for

__all__ = ["dev_identity"]


async def test_new_online_demand_raises_spending_while_cost_is_avoided(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await council_with_february_baseline(http, live_council)
    # April: the same 100 calls as before, and 100 web reports on top.
    await import_counts(http, council, f"2024-04-10,{POTHOLE},phone,100\n")
    await record_contacts(database, council, date(2024, 4, 10), POTHOLE, "web", 100)

    totals = (await april_report(http, council))["report"]["totals"]
    # Spent: 100 x 2.83 + 100 x 0.15 = 298.00; the baseline's 100 calls at 2.83 = 283.00: spending rose 15.00,
    # while 268.00 of cost was avoided and nothing was cashable.
    assert (totals["compared_cost"], totals["baseline_volume_cost"], totals["spending_change"]) == (
        "298.00",
        "283.00",
        "15.00",
    )
    assert (totals["cost_avoided"], totals["cashable_saving"], totals["demand_change"]) == ("268.00", "0.00", 100)

    csv_rows = await http.get("/api/v1/savings/report.csv", params=APRIL, headers=host_for(council.slug))
    rows = {row["channel"]: row for row in csv.DictReader(io.StringIO(csv_rows.text))}
    # Phone: 283.00 spent against 283.00; web: 15.00 spent against nothing at the baseline.
    assert {
        channel: (row["compared_cost"], row["baseline_volume_cost"], row["spending_change"])
        for channel, row in rows.items()
    } == {"phone": ("283.00", "283.00", "0.00"), "web": ("15.00", "0.00", "15.00")}

    officer = {**host_for(council.slug), **await officer_cookies(http, dev_identity, council)}
    page = (await http.get("/staff/savings", params=APRIL, headers=officer)).text
    figure = page.split(">Change in spending<", 1)[1].split("</div>", 1)[0]
    assert "+£15.00" in figure
    assert "spent £298.00 instead of £283.00 at the same unit costs" in figure


async def test_a_price_rise_is_not_a_rise_in_spending(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await council_with_february_baseline(http, live_council)
    rise = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-04-16"}
    assert (await http.post("/api/v1/savings/unit-costs", json=rise, headers=host_for(council.slug))).status_code == 201
    await import_counts(http, council, f"2024-04-20,{POTHOLE},phone,60\n")
    await record_contacts(database, council, date(2024, 4, 5), POTHOLE, "web", 30)

    totals = (await april_report(http, council))["report"]["totals"]
    # Spent: 60 calls on 20 April x 3.00 = 180.00 and 30 web reports x 0.15 = 4.50: 184.50.
    # The baseline's 100 calls at the same day's costs: 100 x (15 x 2.83 + 14 x 3.00) / 29 = 291.2068... = 291.21.
    # Spending fell 291.21 - 184.50 = 106.71.
    assert (totals["compared_cost"], totals["baseline_volume_cost"], totals["spending_change"]) == (
        "184.50",
        "291.21",
        "-106.71",
    )
