"""A council leaves: it is exported, offboarded, and after the grace period purged; its export can be
imported again, here or on another deployment, with every row as it was."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from civicshare.admin.archive import ArchiveRefused, import_council
from civicshare.cli import main
from civicshare.db.engine import Database, tenant_connection
from civicshare.db.metadata import tenant_metadata
from civicshare.policy.operators import COMMAND_LINE
from civicshare.services import PlatformServices
from tests.admin.conftest import export_council, onboard
from tests.support import record_transaction, tenant_context_for


async def all_rows(database: Database, slug: str) -> dict[str, list[dict[str, Any]]]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        return {
            table.name: [
                dict(row)
                for row in (await connection.execute(select(table).order_by(*table.primary_key.columns))).mappings()
            ]
            for table in tenant_metadata.sorted_tables
        }


async def download(admin: httpx.AsyncClient, export: dict[str, Any], to: Path) -> Path:
    response = await admin.get(export["download_url"])
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == export["sha256"]
    path = to / "council.zip"
    path.write_bytes(response.content)
    return path


async def test_an_export_holds_every_table_with_a_manifest_and_checksums(
    admin: httpx.AsyncClient, database: Database, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    await record_transaction(database, slug, "ada@example.org")
    export = await export_council(admin, slug)
    assert export["row_counts"]["transactions"] == 1 and export["row_counts"]["transaction_events"] == 1
    archive = zipfile.ZipFile(io.BytesIO((await admin.get(export["download_url"])).content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["council"]["definition"]["slug"] == slug
    assert manifest["schema_revision"] == export["schema_revision"]
    assert {item["table"] for item in manifest["tables"]} == {t.name for t in tenant_metadata.sorted_tables}
    for item in manifest["tables"]:
        assert hashlib.sha256(archive.read(item["file"])).hexdigest() == item["sha256"]
        assert len(archive.read(item["file"]).splitlines()) == item["rows"]
    listed = (await admin.get("/admin/v1/exports", params={"council": slug})).json()
    assert [item["id"] for item in listed["items"]] == [export["id"]]


async def test_purging_needs_offboarding_an_export_and_the_grace_period(
    admin: httpx.AsyncClient, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    early = await admin.post(f"/admin/v1/councils/{slug}/purge", json={"force": True})
    assert early.status_code == 409 and early.json()["type"] == "urn:civicshare:problem:wrong-council-state"
    await export_council(admin, slug)  # before offboarding: does not count

    offboarding = (await admin.post(f"/admin/v1/councils/{slug}/offboard")).json()
    assert offboarding["status"] == "offboarding"
    assert offboarding["offboarding"]["purge_after"] > offboarding["offboarding"]["started_at"]
    no_export = await admin.post(f"/admin/v1/councils/{slug}/purge", json={"force": True})
    assert no_export.status_code == 409 and no_export.json()["type"] == "urn:civicshare:problem:export-required"

    export = await export_council(admin, slug)
    shown = (await admin.get(f"/admin/v1/councils/{slug}")).json()["offboarding"]
    assert shown["latest_export_id"] == export["id"]  # what the purge will count on
    in_grace = await admin.post(f"/admin/v1/councils/{slug}/purge")
    assert in_grace.status_code == 409 and in_grace.json()["type"] == "urn:civicshare:problem:grace-period"
    assert (await admin.post(f"/admin/v1/councils/{slug}/resume")).status_code == 409

    purged = await admin.post(f"/admin/v1/councils/{slug}/purge", json={"force": True})
    assert purged.status_code == 200, purged.text
    assert (await admin.get(f"/admin/v1/councils/{slug}")).status_code == 404
    audit = (await admin.get("/admin/v1/audit-events", params={"council": slug, "action": "council.purged"})).json()
    assert audit["items"][0]["after"]["forced"] is True
    assert (await admin.get("/admin/v1/exports", params={"council": slug})).json()["items"]


async def test_export_purge_import_gives_back_identical_rows(
    admin: httpx.AsyncClient, database: Database, tmp_path: Path, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    for email in ("ada@example.org", "grace@example.org", "alan@example.org"):
        await record_transaction(database, slug, email)
    before = await all_rows(database, slug)
    await admin.post(f"/admin/v1/councils/{slug}/offboard")
    export = await export_council(admin, slug)
    path = await download(admin, export, tmp_path)
    assert (await admin.post(f"/admin/v1/councils/{slug}/purge", json={"force": True})).status_code == 200

    imported = await import_council(database.engine, path, COMMAND_LINE)
    assert imported.slug == slug
    assert await all_rows(database, slug) == before
    council = (await admin.get(f"/admin/v1/councils/{slug}")).json()
    assert council["status"] == "active"
    # new rows continue after the restored ids
    await record_transaction(database, slug, "new@example.org")
    after = await all_rows(database, slug)
    assert after["transactions"][-1]["id"] == before["transactions"][-1]["id"] + 1


async def test_a_damaged_or_clashing_archive_is_refused_whole(
    admin: httpx.AsyncClient, database: Database, tmp_path: Path, job_worker: PlatformServices
) -> None:
    slug = (await onboard(admin))["slug"]
    await record_transaction(database, slug, "ada@example.org")
    path = await download(admin, await export_council(admin, slug), tmp_path)
    with pytest.raises(ArchiveRefused, match="already exists"):
        await import_council(database.engine, path, COMMAND_LINE)

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "tables/transactions.jsonl":
                data = data.replace(b"ada@example.org", b"eve@example.org")
            target.writestr(item, data)
    with pytest.raises(ArchiveRefused, match="damaged"):
        await import_council(database.engine, damaged, COMMAND_LINE, slug="damaged-copy")
    async with database.engine.connect() as connection:
        schemas = await connection.scalar(
            text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'tenant_damaged_copy'")
        )
    assert schemas == 0


def test_the_import_command_restores_under_a_new_slug(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CIVICSHARE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    slug = "cli-export-" + tmp_path.name[-6:].replace("_", "")
    monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(tmp_path))
    (tmp_path / "groups").mkdir()
    (tmp_path / f"{slug}.toml").write_text(
        f'name = "Command Line Council"\ngss_code = "E07{abs(hash(slug)) % 10**6:06d}"\nreference_prefix = "CLIX"\n'
    )
    assert runner.invoke(main, ["tenants", "sync"]).exit_code == 0
    exported = runner.invoke(main, ["tenants", "export", slug])
    assert exported.exit_code == 0, exported.output
    archive = Path(exported.stdout.strip())
    assert archive.is_file()
    clash = runner.invoke(main, ["tenants", "import", str(archive), "--slug", slug + "-copy"])
    assert clash.exit_code != 0 and "nothing was imported" in clash.output and "GSS code" in clash.output

    assert runner.invoke(main, ["tenants", "offboard", slug]).exit_code == 0
    assert runner.invoke(main, ["tenants", "purge", slug, "--force"]).exit_code != 0  # no export since
    assert runner.invoke(main, ["tenants", "export", slug]).exit_code == 0
    purged = runner.invoke(main, ["tenants", "purge", slug, "--force"])
    assert purged.exit_code == 0, purged.output
    restored = runner.invoke(main, ["tenants", "import", str(archive), "--slug", slug + "-copy"])
    assert restored.exit_code == 0, restored.output
    assert f"council {slug}-copy: imported" in restored.stdout
