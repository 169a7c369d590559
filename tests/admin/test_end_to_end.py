"""The whole life of a council on the platform, as an operator drives it over HTTP: onboarded, given
modules, serving residents, suspended, resumed, exported, offboarded, purged and imported again."""

from __future__ import annotations

from pathlib import Path

import httpx

from civicshare.admin.archive import import_council
from civicshare.db.engine import Database
from civicshare.policy.operators import COMMAND_LINE
from civicshare.services import PlatformServices
from tests.admin.conftest import export_council, new_council
from tests.support import host_for, record_transaction


async def test_the_life_of_a_council(
    admin: httpx.AsyncClient, http: httpx.AsyncClient, database: Database, tmp_path: Path, job_worker: PlatformServices
) -> None:
    definition = new_council(name="Borough of Lifecycle")
    slug = definition["slug"]

    onboarded = await admin.post("/admin/v1/councils", json=definition)
    assert onboarded.status_code == 201, onboarded.text
    for code, settings in (("highways", {"repair_days": 10}), ("waste", {})):
        enabled = await admin.put(f"/admin/v1/councils/{slug}/modules/{code}", json={"settings": settings})
        assert enabled.status_code == 200, enabled.text
    assert [m["code"] for m in (await admin.get(f"/admin/v1/councils/{slug}")).json()["modules"]] == [
        "highways",
        "waste",
    ]

    assert (await http.get("/api/v1/council", headers=host_for(slug))).json()["name"] == "Borough of Lifecycle"
    reference = await record_transaction(database, slug, "resident@example.org")
    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "resident@example.org"}, headers=host_for(slug)
    )
    assert tracked.status_code == 200

    assert (await admin.post(f"/admin/v1/councils/{slug}/suspend")).json()["status"] == "suspended"
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 503
    assert (await admin.post(f"/admin/v1/councils/{slug}/resume")).json()["status"] == "active"
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 200

    assert (await admin.post(f"/admin/v1/councils/{slug}/offboard")).json()["status"] == "offboarding"
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 503
    export = await export_council(admin, slug)
    archive = tmp_path / "lifecycle.zip"
    archive.write_bytes((await admin.get(export["download_url"])).content)
    purged = await admin.post(f"/admin/v1/councils/{slug}/purge", json={"force": True})
    assert purged.status_code == 200, purged.text
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 404

    await import_council(database.engine, archive, COMMAND_LINE)
    back = (await admin.get(f"/admin/v1/councils/{slug}")).json()
    assert back["status"] == "active" and [m["code"] for m in back["modules"]] == ["highways", "waste"]
    tracked_again = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "resident@example.org"}, headers=host_for(slug)
    )
    assert tracked_again.status_code == 200
    assert tracked_again.json() == tracked.json()

    story = (await admin.get("/admin/v1/audit-events", params={"council": slug, "limit": 200})).json()["items"]
    assert [event["action"] for event in reversed(story)] == [
        "council.onboarded",
        "council.module_enabled",
        "council.module_enabled",
        "council.suspended",
        "council.resumed",
        "council.offboarding_started",
        "council.exported",
        "council.purged",
        "council.imported",
    ]
