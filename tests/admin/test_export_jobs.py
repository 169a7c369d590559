"""An operator asks for a council's export: the admin API answers 202 at once with a job to poll, a job
worker writes the archive, and the poll says done with the download link, or failed with why."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
from sqlalchemy import text

from civicshare.db.engine import Database
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from tests.admin.conftest import finished_export_job, onboard
from tests.support import record_transaction


async def test_an_export_is_a_job_polled_until_its_archive_downloads(
    admin: httpx.AsyncClient, database: Database, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    reference = await record_transaction(database, slug, "ada@example.org")

    job = await finished_export_job(admin, slug)

    assert job["state"] == "done" and job["error"] is None
    assert job["started_at"] <= job["finished_at"]
    downloaded = await admin.get(job["download_url"])
    assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(downloaded.content))
    assert json.loads(archive.read("manifest.json"))["council"]["slug"] == slug
    rows = [json.loads(line) for line in archive.read("tables/transactions.jsonl").splitlines()]
    assert [(row["reference"], row["contact_email"]) for row in rows] == [(reference, "ada@example.org")]
    audited = (await admin.get("/admin/v1/audit-events", params={"council": slug, "action": "council.exported"})).json()
    assert audited["items"][0]["actor_name"] == "test operator (full)"


async def test_an_export_that_cannot_be_written_fails_and_says_why(
    admin: httpx.AsyncClient, settings: Settings, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    blocked = settings.data_dir / "exports" / slug  # the council's exports folder on the local store
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the council's exports folder should be")

    job = await finished_export_job(admin, slug)

    assert job["state"] == "failed" and job["download_url"] is None and job["export"] is None
    assert "the archive could not be written" in job["error"] and slug in job["error"]


async def test_a_job_is_polled_only_under_its_own_council(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient, job_worker: PlatformServices
) -> None:
    mine = (await onboard(admin))["slug"]
    other = (await onboard(admin))["slug"]
    job = await finished_export_job(admin, mine)

    elsewhere = await admin.get(f"/admin/v1/councils/{other}/export-jobs/{job['id']}")
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    assert elsewhere.json()["type"] == "urn:civicshare:problem:export-job-not-found"
    assert (await reader.get(job["poll_url"])).json()["state"] == "done"  # reading keys may poll


async def test_only_full_keys_start_exports_and_unknown_councils_are_404(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    slug = (await onboard(admin))["slug"]
    refused = await reader.post(f"/admin/v1/councils/{slug}/exports")
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    unknown = await admin.post("/admin/v1/councils/no-such-council/exports")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_the_request_and_its_job_commit_together(admin: httpx.AsyncClient, database: Database) -> None:
    """No worker here: the job waits in the queue, committed with the request it is about."""
    slug = (await onboard(admin))["slug"]
    started = await admin.post(f"/admin/v1/councils/{slug}/exports")
    assert started.status_code == 202
    job_id = started.json()["id"]
    async with database.engine.connect() as connection:
        args = (
            await connection.execute(
                text(
                    "SELECT args FROM procrastinate.procrastinate_jobs "
                    "WHERE task_name = 'council_export.run' AND queue_name = 'exports' AND status = 'todo'"
                )
            )
        ).scalars()
        assert {"council": slug, "job_id": job_id} in list(args)
    polled = await admin.get(started.headers["location"])
    assert polled.json()["state"] == "queued" and polled.headers["retry-after"] == "2"
