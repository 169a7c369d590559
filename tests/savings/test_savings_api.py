"""A council's staff see their savings over HTTP: offline counts imported, a baseline and a unit cost
set through the API, online contacts counted as they happen, and every figure worked out by hand.

The story (spring 2024, one council):
- potholes: 15 March, 10 phone calls (imported) and 10 web reports; 15 April, 5 calls and 15 web reports;
- council tax payments (online only): 30 on the web on 20 March and 30 on 20 April;
- unit costs: the platform's (phone £2.83, web £0.15), until phone rises to £3.00 on 1 April (API);
- the pothole baseline before the platform: 80% phone, 20% web (API); council tax has none.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import httpx

from civicshare.db.engine import Database
from civicshare.tenancy.context import TenantContext
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.support import host_for

SPRING = {"from": "2024-03-01", "to": "2024-04-30"}
OFFLINE_CSV = "date,service,channel,count\n2024-03-15,report-pothole,phone,10\n15/04/2024,report-pothole,Phone,5\n"


async def spring_council(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> TenantContext:
    council = await live_council()
    headers = host_for(council.slug)
    imported = await http.post(
        "/api/v1/savings/offline-contacts",
        content=OFFLINE_CSV,
        headers={**headers, "content-type": "text/csv"},
        params={"source": "contact-centre-spring.csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {
        "accepted": 2,
        "rejected": 0,
        "changed": 2,
        "already_imported": False,
        "rejected_rows": [],
    }
    phone_rise = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-04-01", "note": "new contract"}
    assert (await http.post("/api/v1/savings/unit-costs", json=phone_rise, headers=headers)).status_code == 201
    baseline = {"shares": {"phone": "0.8", "web": "0.2"}}
    assert (
        await http.put("/api/v1/savings/baseline/report-pothole", json=baseline, headers=headers)
    ).status_code == 200
    for day, service, count in (
        (date(2024, 3, 15), "report-pothole", 10),
        (date(2024, 3, 20), "pay-council-tax", 30),
        (date(2024, 4, 15), "report-pothole", 15),
        (date(2024, 4, 20), "pay-council-tax", 30),
    ):
        await record_contacts(database, council, day, service, "web", count)
    return council


async def test_staff_see_their_councils_savings_worked_out_by_hand(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await spring_council(database, http, live_council)
    response = await http.get("/api/v1/savings/report", params=SPRING, headers=host_for(council.slug))
    assert response.status_code == 200, response.text
    body = response.json()
    report = body["report"]
    totals = report["totals"]
    # 100 contacts, 85 online; the channel-shift figure leaves out council tax payments: 25 of 40 potholes.
    assert (totals["volume"], totals["digital_volume"], totals["shift_volume"], totals["shift_digital_volume"]) == (
        100,
        85,
        40,
        25,
    )
    assert totals["channel_shift_share"] == "0.6250"
    assert totals["digital_share_all_services"] == "0.8500"
    assert report["services_outside_shift_figure"] == ["pay-council-tax"]
    # March potholes: 10 x 2.83 + 10 x 0.15 = 29.80; at the old mix 20 x (0.8 x 2.83 + 0.2 x 0.15) = 45.88.
    # April potholes: 5 x 3.00 + 15 x 0.15 = 17.25; at the old mix 20 x (0.8 x 3.00 + 0.2 x 0.15) = 48.60.
    # Council tax: 30 x 0.15 = 4.50 a month, the same at the "old mix" because it has no baseline.
    assert totals["actual_cost"] == "56.05"
    assert totals["baseline_cost"] == "103.48"
    assert totals["savings"] == "47.43"
    assert [(m["month"], m["savings"], m["cumulative_savings"]) for m in report["savings_by_month"]] == [
        ("2024-03", "16.08", "16.08"),
        ("2024-04", "31.35", "47.43"),
    ]
    assert [(line["month"], line["figures"]["savings"]) for line in report["lines"]] == [
        ("2024-03", "16.08"),
        ("2024-04", "31.35"),
    ]
    # Avoided contacts: only the 25 online pothole reports (10 in March, 15 in April) could have been a
    # call; the 60 council-tax payments are online-only. 25 x 0.2 x the phone cost on the last day (£3.00)
    # = £15.00.
    assert report["avoided_contacts"]["sessions"] == 25
    assert report["avoided_contacts"]["savings"] == "15.00"
    assert body["savings_to_date"] == "47.43"
    assert body["savings_to_date_since"] == "2024-03-15"
    assert body["services_without_flags"] == []


async def test_a_report_grouped_by_service_and_channel(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await spring_council(database, http, live_council)
    response = await http.get(
        "/api/v1/savings/report",
        params={**SPRING, "group_by": "service,channel", "avoidance_rate": "0.5", "sessions": "1000"},
        headers=host_for(council.slug),
    )
    report = response.json()["report"]
    lines = {(line["service"], line["channel"]): line["figures"] for line in report["lines"]}
    assert set(lines) == {("pay-council-tax", "web"), ("report-pothole", "phone"), ("report-pothole", "web")}
    # Phone potholes: 10 x 2.83 + 5 x 3.00 = 43.30; at the old mix 0.8 x (20 x 2.83 + 20 x 3.00) = 93.28.
    assert (lines[("report-pothole", "phone")]["actual_cost"], lines[("report-pothole", "phone")]["baseline_cost"]) == (
        "43.30",
        "93.28",
    )
    assert lines[("report-pothole", "web")]["volume"] == 25
    # 1000 sessions x 0.5 x £3.00.
    assert report["avoided_contacts"]["savings"] == "1500.00"


async def test_the_same_report_as_csv(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await spring_council(database, http, live_council)
    response = await http.get("/api/v1/savings/report.csv", params=SPRING, headers=host_for(council.slug))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"savings-{council.slug}-2024-03-01-2024-04-30.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    march_calls = next(r for r in rows if r["month"] == "2024-03" and r["channel"] == "phone")
    assert (march_calls["service"], march_calls["volume"], march_calls["actual_cost"]) == (
        "report-pothole",
        "10",
        "28.30",
    )
    assert sum(Decimal(r["savings"]) for r in rows) == Decimal("47.43")


async def test_a_unit_cost_change_applies_from_its_day(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council(
        unit_costs={"phone": "4.60"},
        unit_cost_overrides=[
            {"channel": "web", "cost": "0.60", "service": "report-pothole", "effective_from": "2024-01-01"}
        ],
    )
    headers = host_for(council.slug)
    await record_contacts(database, council, date(2024, 3, 10), "report-pothole", "web", 4)
    await http.post(
        "/api/v1/savings/offline-contacts",
        content="date,service,channel,count\n2024-03-10,report-pothole,phone,2\n2024-03-20,report-pothole,phone,2\n",
        headers={**headers, "content-type": "text/csv"},
    )
    # From 15 March calls about potholes cost £5.00 (the council-wide £4.60 still applies before).
    cheaper = {"channel": "phone", "unit_cost": "5.00", "effective_from": "2024-03-15", "service": "report-pothole"}
    costs = (await http.post("/api/v1/savings/unit-costs", json=cheaper, headers=headers)).json()
    assert costs["defaults"]["phone"] == "4.60"
    assert costs["defaults"]["face_to_face"] == "8.62"
    assert [
        (o["channel"], o["service"], o["effective_from"], o["unit_cost"], o["source"]) for o in costs["overrides"]
    ] == [
        ("web", "report-pothole", "2024-01-01", "0.60", "definition"),
        ("phone", "report-pothole", "2024-03-15", "5.00", "api"),
    ]
    report = (
        await http.get("/api/v1/savings/report", params={"from": "2024-03-01", "to": "2024-03-31"}, headers=headers)
    ).json()["report"]
    # 4 web x 0.60 + 2 calls x 4.60 + 2 calls x 5.00 = 2.40 + 9.20 + 10.00 = 21.60; no baseline, no savings.
    assert report["totals"]["actual_cost"] == "21.60"
    assert report["totals"]["savings"] == "0.00"


async def test_reimporting_offline_counts_replaces_them_and_bad_rows_are_reported(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = {**host_for(council.slug), "content-type": "text/csv"}
    first = await http.post("/api/v1/savings/offline-contacts", content=OFFLINE_CSV, headers=headers)
    again = await http.post("/api/v1/savings/offline-contacts", content=OFFLINE_CSV, headers=headers)
    assert (again.json()["changed"], again.json()["already_imported"]) == (0, True)
    assert first.json()["changed"] == 2
    corrected = (
        "date,service,channel,count\n"
        "2024-03-15,report-pothole,phone,12\n"
        "2024-03-16,report-pothole,carrier pigeon,1\n"
        "2024-03-17,not-a-service,phone,1\n"
    )
    fixed = (
        await http.post(
            "/api/v1/savings/offline-contacts", content=corrected, headers=headers, params={"partial": "true"}
        )
    ).json()
    assert (fixed["accepted"], fixed["rejected"], fixed["changed"]) == (1, 2, 1)
    assert [(row["line"], len(row["reasons"])) for row in fixed["rejected_rows"]] == [(3, 1), (4, 1)]
    assert "carrier pigeon" in fixed["rejected_rows"][0]["reasons"][0]
    report = (await http.get("/api/v1/savings/report", params=SPRING, headers=host_for(council.slug))).json()
    # 12 (replaced, not 10 + 12) + 5 calls.
    assert report["report"]["totals"]["volume"] == 17

    nothing = await http.post("/api/v1/savings/offline-contacts", content="date,count\n1,2\n", headers=headers)
    assert nothing.status_code == 422
    assert nothing.json()["accepted"] == 0


async def test_a_baseline_is_derived_from_counts_before_a_date(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    await http.post(
        "/api/v1/savings/offline-contacts",
        content="date,service,channel,count\n2023-12-01,report-missed-bin,phone,90\n2023-12-02,report-missed-bin,face_to_face,10\n"
        "2024-01-05,report-missed-bin,phone,1\n",
        headers={**headers, "content-type": "text/csv"},
    )
    await record_contacts(database, council, date(2023, 12, 3), "report-missed-bin", "web", 20)
    derived = await http.post("/api/v1/savings/baseline/derive", json={"before": "2024-01-01"}, headers=headers)
    assert derived.status_code == 200, derived.text
    [missed_bin] = derived.json()["services"]
    # 90 phone, 10 face to face and 20 web before 1 January: 0.75, 0.083333333 and 0.166666667.
    assert missed_bin["shares"] == {"phone": "0.75", "face_to_face": "0.083333333", "web": "0.166666667"}
    assert (missed_bin["source"], missed_bin["measured_before"]) == ("derived", "2024-01-01")
    stored = (await http.get("/api/v1/savings/baseline", headers=headers)).json()
    assert stored == derived.json()

    wrong = await http.put(
        "/api/v1/savings/baseline/report-missed-bin", json={"shares": {"phone": "0.5"}}, headers=headers
    )
    assert wrong.status_code == 422
    assert "add up to 1" in wrong.json()["detail"]


async def test_requests_that_make_no_sense_are_refused_plainly(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    backwards = await http.get(
        "/api/v1/savings/report", params={"from": "2024-05-01", "to": "2024-04-01"}, headers=headers
    )
    assert backwards.status_code == 422
    grouping = await http.get("/api/v1/savings/report", params={"group_by": "ward"}, headers=headers)
    assert grouping.status_code == 422
    unknown = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-04-01", "service": "report-potholes"}
    assert (await http.post("/api/v1/savings/unit-costs", json=unknown, headers=headers)).status_code == 422


async def test_a_nul_in_an_offline_contacts_file_or_its_source_is_refused_not_stored(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = {**host_for(council.slug), "content-type": "text/csv"}
    with_nul = (
        "date,service,channel,count\n2024-03-15,report-pothole,phone\x00,10\n2024-03-16\x00,report-pothole,phone,1\n"
    )
    refused = await http.post("/api/v1/savings/offline-contacts", content=with_nul, headers=headers)
    assert refused.status_code == 422, refused.text
    assert [row["line"] for row in refused.json()["rejected_rows"]] == [2, 3]
    named = await http.post(
        "/api/v1/savings/offline-contacts", content=OFFLINE_CSV, headers=headers, params={"source": "calls\x00.csv"}
    )
    assert named.status_code == 422 and named.json()["errors"][0]["field"] == "source", named.text
