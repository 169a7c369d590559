"""`civicshare demo` (`make demo`) serves what is on the platform even when operators have changed councils
through the admin API so that tenants/ no longer applies, and says, council by council, what differs."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import civicshare.cli as cli
import civicshare.savings.demo_loader as demo_loader
from civicshare.db.engine import Database
from civicshare.settings import Settings
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.files import load_catalogue
from civicshare.tenancy.service import onboard_tenant, update_tenant
from civicshare.tenancy.sync import sync_catalogue
from tests.support import council_definition


def _write(directory: Path, council: TenantDefinition) -> None:
    (directory / f"{council.slug}.toml").write_text(
        f'name = "{council.name}"\ngss_code = "{council.gss_code}"\n'
        f'reference_prefix = "{council.reference_prefix}"\ndomains = {json.dumps(list(council.domains))}\n'
    )


async def _operators_give_a_councils_domain_to_a_new_council(
    database: Database, tenants_dir: Path, council: TenantDefinition
) -> None:
    await sync_catalogue(database.engine, load_catalogue(tenants_dir))
    async with database.engine.begin() as connection:
        await update_tenant(connection, council.model_copy(update={"name": "Renamed", "domains": ("new.example",)}))
        await onboard_tenant(connection, council_definition(domains=council.domains))


async def test_demo_serves_the_councils_on_the_platform_and_says_what_differs_from_tenants(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    changed = council_definition(name="Borough of Change", domains=[f"change-{uuid.uuid4().hex[:8]}.example"])
    unchanged = council_definition()
    for council in (changed, unchanged):
        _write(tmp_path, council)
    await _operators_give_a_councils_domain_to_a_new_council(database, tmp_path, changed)
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(tmp_path))
    monkeypatch.setenv("CIVICSHARE_LOG_LEVEL", "WARNING")
    served: list[int] = []

    async def no_demo_data(database: Database, councils: Sequence[Any], **_: Any) -> list[Any]:
        return []

    monkeypatch.setattr(demo_loader, "load_demo_data", no_demo_data)
    started_jobs: list[int] = []

    def serve(settings: Any, host: str, port: int, workers: int, job_workers: int = 0) -> None:
        served.append(port)
        started_jobs.append(job_workers)

    monkeypatch.setattr(cli, "_serve", serve)

    # In a thread: the command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, cli.main, ["demo", "--port", "8765"])

    assert result.exit_code == 0, result.output
    assert served == [8765]
    assert started_jobs == [1]  # a job worker beside the web workers, delivering the outbox
    output = " ".join(result.output.split())
    assert f"domain {changed.domains[0]} already belongs to council" in output
    assert f"{changed.slug}: name: tenants/ has 'Borough of Change', the platform has 'Renamed'" in output
    assert (
        f"{changed.slug}: domains: tenants/ has {list(changed.domains)!r}, the platform has ['new.example']" in output
    )
    assert f"{unchanged.slug}:" not in output
