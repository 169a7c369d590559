"""A finance officer signs off savings: the cashable saving (staffed contacts no longer handled) beside
the cost avoided (today's demand at the old channel mix) and the change in demand, every figure worked
out by hand. Online-only services claim nothing from a mix they could not have had.

The baseline: February 2024 before the platform (1 to 29 February, 29 days), 100 pothole calls, so a
daily rate of 100 / 29 calls. Reports cover 1 to 29 April 2024, also 29 days, so the baseline's
volume for the period is exactly 100 calls. Unit costs are the platform's (phone £2.83, web £0.15).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import httpx

from civicshare.db.engine import Database
from civicshare.tenancy.context import TenantContext
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.support import host_for

APRIL = {"from": "2024-04-01", "to": "2024-04-29"}
POTHOLE = "report-pothole"


async def import_counts(http: httpx.AsyncClient, council: TenantContext, rows: str) -> None:
    imported = await http.post(
        "/api/v1/savings/offline-contacts",
        content="date,service,channel,count\n" + rows,
        headers={**host_for(council.slug), "content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text


async def council_with_february_baseline(http: httpx.AsyncClient, live_council: LiveCouncilFactory) -> TenantContext:
    council = await live_council()
    await import_counts(http, council, f"2024-02-10,{POTHOLE},phone,100\n")
    derived = await http.post(
        "/api/v1/savings/baseline/derive",
        json={"before": "2024-03-01", "since": "2024-02-01"},
        headers=host_for(council.slug),
    )
    assert derived.status_code == 200, derived.text
    (baseline,) = derived.json()["services"]
    assert (baseline["shares"], baseline["contacts"], baseline["window_days"]) == ({"phone": "1"}, {"phone": 100}, 29)
    return council


async def april_report(http: httpx.AsyncClient, council: TenantContext, **params: str) -> dict[str, Any]:
    response = await http.get("/api/v1/savings/report", params={**APRIL, **params}, headers=host_for(council.slug))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_new_online_demand_is_cost_avoided_not_a_cashable_saving(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await council_with_february_baseline(http, live_council)
    # April: the same 100 calls as before, and 100 web reports the website brought in on top.
    await import_counts(http, council, f"2024-04-10,{POTHOLE},phone,100\n")
    await record_contacts(database, council, date(2024, 4, 10), POTHOLE, "web", 100)

    body = await april_report(http, council)
    report = body["report"]
    totals = report["totals"]
    # Cost: 100 x 2.83 + 100 x 0.15 = 298.00 (spending rose £15 on February's 100 x 2.83 = 283.00).
    # Cost avoided: 200 contacts at the old mix (all phone) 200 x 2.83 = 566.00, less 298.00 = 268.00.
    assert (totals["actual_cost"], totals["baseline_cost"], totals["cost_avoided"]) == ("298.00", "566.00", "268.00")
    assert totals["savings"] == "268.00"  # the older name of the same figure
    # Cashable: 100 / 29 calls a day x 29 days x 2.83 = 283.00 at the baseline, 100 x 2.83 = 283.00 now: 0.00.
    assert (totals["baseline_staffed_volume"], totals["staffed_volume"], totals["cashable_saving"]) == (
        100,
        100,
        "0.00",
    )
    # Demand: 200 contacts against 100 at the baseline's rate: +100, doubled.
    assert (totals["compared_volume"], totals["baseline_volume"]) == (200, 100)
    assert (totals["demand_change"], totals["demand_change_share"]) == (100, "1.0000")
    assert [(m["month"], m["savings"], m["cashable_saving"]) for m in report["savings_by_month"]] == [
        ("2024-04", "268.00", "0.00")
    ]
    assert set(report["figure_uses"]) == {"cashable_saving", "cost_avoided", "demand_change"}
    assert "non-cashable" in report["figure_uses"]["cost_avoided"]
    assert body["cashable_saving_to_date"] == "0.00"

    csv_rows = await http.get("/api/v1/savings/report.csv", params=APRIL, headers=host_for(council.slug))
    rows = {row["channel"]: row for row in csv.DictReader(io.StringIO(csv_rows.text))}
    # Phone: 566.00 at the old mix less 283.00 = 283.00 avoided; web: nothing at the old mix, 15.00 spent.
    assert {
        channel: (row["cost_avoided"], row["cashable_saving"], row["demand_change"]) for channel, row in rows.items()
    } == {
        "phone": ("283.00", "0.00", "0"),
        "web": ("-15.00", "0.00", "100"),
    }


async def test_fewer_calls_are_a_cashable_saving_priced_at_each_days_unit_cost(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await council_with_february_baseline(http, live_council)
    rise = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-04-16"}
    assert (await http.post("/api/v1/savings/unit-costs", json=rise, headers=host_for(council.slug))).status_code == 201
    await import_counts(http, council, f"2024-04-20,{POTHOLE},phone,60\n")
    await record_contacts(database, council, date(2024, 4, 5), POTHOLE, "web", 30)

    totals = (await april_report(http, council))["report"]["totals"]
    # Baseline staffed cost: 100 / 29 calls a day, 15 days at 2.83 and 14 at 3.00:
    # 100 x (15 x 2.83 + 14 x 3.00) / 29 = 100 x 84.45 / 29 = 291.2068... = 291.21.
    # Handled: 60 calls on 20 April x 3.00 = 180.00. Cashable saving: 291.21 - 180.00 = 111.21.
    assert (totals["baseline_staffed_volume"], totals["staffed_volume"], totals["cashable_saving"]) == (
        100,
        60,
        "111.21",
    )
    # Cost avoided: calls 60 x 3.00 at the old mix too (0.00); web 30 x 2.83 = 84.90 at the old mix less
    # 30 x 0.15 = 4.50 spent: 80.40.
    assert totals["cost_avoided"] == "80.40"
    assert (totals["demand_change"], totals["demand_change_share"]) == (-10, "-0.1000")


async def test_an_online_only_service_claims_savings_only_from_a_dated_pre_platform_mix(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    await record_contacts(database, council, date(2024, 4, 5), "pay-council-tax", "web", 29)

    # A mix typed in without dates: council tax can only be paid online, so it claims nothing.
    undated = {"shares": {"phone": "1"}}
    assert (
        await http.put("/api/v1/savings/baseline/pay-council-tax", json=undated, headers=headers)
    ).status_code == 200
    report = (await april_report(http, council))["report"]
    totals = report["totals"]
    # 29 x 0.15 = 4.35 spent, and the same "at the old mix": nothing avoided, nothing cashable.
    assert (totals["actual_cost"], totals["baseline_cost"], totals["cost_avoided"]) == ("4.35", "4.35", "0.00")
    assert totals["cashable_saving"] == "0.00"
    assert report["online_only_without_dated_baseline"] == ["pay-council-tax"]
    # None of the 29 payments could have been a call: no avoided contacts either.
    assert (report["avoided_contacts"]["sessions"], report["avoided_contacts"]["savings"]) == (0, "0.00")

    # The council's real counts from April 2019, before payments moved online: 58 calls in 29 days.
    dated = {
        "shares": {"phone": "1"},
        "measured_from": "2019-04-01",
        "measured_before": "2019-04-30",
        "contacts": {"phone": 58},
    }
    assert (await http.put("/api/v1/savings/baseline/pay-council-tax", json=dated, headers=headers)).status_code == 200
    report = (await april_report(http, council))["report"]
    totals = report["totals"]
    # Cost avoided: 29 x 2.83 = 82.07 at the old mix less 4.35 = 77.72.
    # Cashable: 58 / 29 = 2 calls a day x 29 days x 2.83 = 164.14 no longer handled, none now.
    assert (totals["cost_avoided"], totals["cashable_saving"]) == ("77.72", "164.14")
    assert (totals["baseline_staffed_volume"], totals["staffed_volume"]) == (58, 0)
    assert (totals["compared_volume"], totals["baseline_volume"], totals["demand_change"]) == (29, 58, -29)
    assert report["online_only_without_dated_baseline"] == []
    assert report["avoided_contacts"]["sessions"] == 0

    # Counts need their dates, and must be the mix given.
    for wrong, detail in (
        ({"shares": {"phone": "1"}, "contacts": {"phone": 58}}, "Contacts need the dates"),
        ({**dated, "shares": {"phone": "0.5", "web": "0.5"}}, "not the mix of the contacts"),
        ({**dated, "measured_before": "2019-04-01"}, "must be before"),
    ):
        refused = await http.put("/api/v1/savings/baseline/pay-council-tax", json=wrong, headers=headers)
        assert refused.status_code == 422, refused.text
        assert detail in refused.json()["detail"]
