"""Bad input found in testing, each refused plainly (issue 18): nothing half-stored, no 500s, and figures
that say what they mean."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.tenancy.context import TenantContext
from tests.savings.conftest import LiveCouncilFactory, record_contacts
from tests.savings.test_savings_commands import civicshare
from tests.savings.test_savings_dashboard import dev_identity, officer_cookies
from tests.support import host_for

__all__ = ["dev_identity"]

MAY = {"from": "2024-05-01", "to": "2024-05-31"}


async def import_csv(http: httpx.AsyncClient, council: TenantContext, text: str, **params: str) -> httpx.Response:
    return await http.post(
        "/api/v1/savings/offline-contacts",
        content=text,
        params=params,
        headers={**host_for(council.slug), "content-type": "text/csv"},
    )


async def may_volume(http: httpx.AsyncClient, council: TenantContext) -> int:
    report = (await http.get("/api/v1/savings/report", params=MAY, headers=host_for(council.slug))).json()
    volume: int = report["report"]["totals"]["volume"]
    return volume


MIXED_FILE = (
    "date,service,channel,count\n"
    "2024-05-01,report-pothole,phone,7\n"
    "2024-05-02,report-pothole,fax,1\n"
    "2024-05-03,report-pothole,phone,3\n"
    "2024-05-04,report-pothole,phone,-2\n"
)


async def test_a_file_with_bad_rows_is_refused_whole_unless_a_partial_import_is_asked_for(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    refused = await import_csv(http, council, MIXED_FILE)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert "nothing was stored" in problem["detail"]
    assert [(row["line"], row["reasons"]) for row in problem["rejected_rows"]] == [
        (3, ["Channel must be one of face_to_face, phone, email, letter, webchat, web, app, not 'fax'"]),
        (5, ["Count must be 0 or more, not -2"]),
    ]
    assert await may_volume(http, council) == 0

    partial = await import_csv(http, council, MIXED_FILE, partial="true")
    assert partial.status_code == 200, partial.text
    body = partial.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [row["line"] for row in body["rejected_rows"]] == [3, 5]
    assert await may_volume(http, council) == 10


async def test_a_count_for_a_future_date_is_refused(http: httpx.AsyncClient, live_council: LiveCouncilFactory) -> None:
    council = await live_council()
    refused = await import_csv(http, council, "date,service,channel,count\n2999-01-01,report-pothole,phone,5\n")
    assert refused.status_code == 422, refused.text
    assert "future" in refused.json()["rejected_rows"][0]["reasons"][0]


async def test_an_impossibly_large_count_is_refused_not_a_server_error(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    huge = await import_csv(http, council, f"date,service,channel,count\n2024-05-01,report-pothole,phone,{10**20}\n")
    assert huge.status_code == 422, huge.text
    assert "at most 1,000,000" in huge.json()["rejected_rows"][0]["reasons"][0]
    assert await may_volume(http, council) == 0


async def test_baseline_shares_finer_than_can_be_stored_are_refused_clearly(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    # Exactly 1 as sent; stored to 9 places they would be 0.333333333 x 2 + 0.333333334 = 1.000000000 only by luck.
    shares = {"phone": "0.3333333333", "web": "0.3333333333", "email": "0.3333333334"}
    refused = await http.put("/api/v1/savings/baseline/report-pothole", json={"shares": shares}, headers=headers)
    assert refused.status_code == 422, refused.text
    assert "9 decimal places" in refused.json()["detail"]
    # Nothing half-stored: the baseline and the report still work.
    assert (await http.get("/api/v1/savings/baseline", headers=headers)).status_code == 200
    assert (await http.get("/api/v1/savings/report", params=MAY, headers=headers)).status_code == 200


async def test_the_command_line_import_refuses_unknown_services_and_files_with_bad_rows(
    database: Database, database_url: str, live_council: LiveCouncilFactory, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    council = await live_council()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "date,service,channel,count\n2024-05-02,report-pothole,phone,7\n2024-05-02,not-a-service,phone,9\n"
    )
    refused = await civicshare(database_url, "report", "import-offline", "--tenant", council.slug, str(unknown))
    assert refused.exit_code != 0
    assert "'not-a-service' is not a service" in refused.output
    assert "nothing was imported" in refused.output
    assert await may_volume(http, council) == 0

    partial = await civicshare(
        database_url, "report", "import-offline", "--tenant", council.slug, "--partial", str(unknown)
    )
    assert partial.exit_code == 0, partial.output
    assert "1 rows accepted (1 new or changed), 1 skipped" in partial.output
    assert await may_volume(http, council) == 7


async def test_a_unit_cost_for_the_same_start_date_is_replaced_only_when_asked(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    first = {"channel": "phone", "unit_cost": "3.00", "effective_from": "2024-05-01"}
    assert (await http.post("/api/v1/savings/unit-costs", json=first, headers=headers)).status_code == 201
    again = {**first, "unit_cost": "4.00"}
    conflict = await http.post("/api/v1/savings/unit-costs", json=again, headers=headers)
    assert conflict.status_code == 409, conflict.text
    assert conflict.headers["content-type"].startswith("application/problem+json")
    costs = (await http.get("/api/v1/savings/unit-costs", headers=headers)).json()["overrides"]
    assert [cost["unit_cost"] for cost in costs] == ["3.00"]
    replaced = await http.post("/api/v1/savings/unit-costs", json={**again, "replace": True}, headers=headers)
    assert replaced.status_code == 201, replaced.text
    assert [cost["unit_cost"] for cost in replaced.json()["overrides"]] == ["4.00"]


async def test_savings_to_date_start_on_the_first_day_with_a_contact_not_an_imported_zero(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    zero_then_calls = (
        "date,service,channel,count\n2024-04-01,report-pothole,phone,0\n2024-05-06,report-pothole,phone,4\n"
    )
    assert (await import_csv(http, council, zero_then_calls)).status_code == 200
    report = (await http.get("/api/v1/savings/report", params=MAY, headers=host_for(council.slug))).json()
    assert report["savings_to_date_since"] == "2024-05-06"


async def test_the_dashboard_rounds_a_share_half_up_from_the_exact_fraction(
    database: Database, http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    headers = host_for(council.slug)
    # 2 web reports of 32 contacts: 6.25% exactly, which rounds half up to 6.3%.
    await import_csv(http, council, "date,service,channel,count\n2024-05-06,report-pothole,phone,30\n")
    await record_contacts(database, council, date(2024, 5, 6), "report-pothole", "web", 2)
    officer = {**headers, **await officer_cookies(http, dev_identity, council)}
    page = (await http.get("/staff/savings", params=MAY, headers=officer)).text
    assert "6.3%" in page
    assert "6.2%" not in page
