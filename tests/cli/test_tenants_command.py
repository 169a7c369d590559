"""The operators' `civicshare tenants ...` commands, run as an operator would, on the test database."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from civicshare.cli import main
from civicshare.db.embedded import EmbeddedServer
from civicshare.db.engine import Database
from civicshare.settings import Settings

SHIPPED = Path(__file__).resolve().parents[2] / "tenants"


@pytest.fixture
def runner(settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(SHIPPED))
    monkeypatch.setenv("CIVICSHARE_LOG_LEVEL", "WARNING")
    return CliRunner()


def test_sync_then_list_shows_the_seven_councils_and_surreys_front_door(runner: CliRunner) -> None:
    synced = runner.invoke(main, ["tenants", "sync"])
    assert synced.exit_code == 0, synced.output
    assert "front door surrey: " in synced.output  # after the councils and their boundaries
    listed = runner.invoke(main, ["tenants", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    slugs = {council["slug"] for council in json.loads(listed.stdout)}
    assert {"kingston", "westminster", "newham", "havering", "waltham-forest", "surrey-county", "elmbridge"} <= slugs


def test_a_bad_file_applies_nothing_and_says_where(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(SHIPPED, directory)
    (directory / "barnet.toml").write_text('name = "London Borough of Barnet"\ngss_code = "E09000003"\n')
    monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(directory))
    result = runner.invoke(main, ["tenants", "sync"])
    assert result.exit_code == 1
    assert "nothing was applied" in result.output
    assert "barnet.toml: reference_prefix" in result.output
    shown = runner.invoke(main, ["tenants", "show", "barnet"])
    assert shown.exit_code == 1
    assert "no council 'barnet'" in shown.output


def test_suspending_an_unknown_council_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["tenants", "suspend", "atlantis"])
    assert result.exit_code == 1
    assert "no council 'atlantis'" in result.output


def test_suspend_and_resume_a_council(runner: CliRunner) -> None:
    assert runner.invoke(main, ["tenants", "sync"]).exit_code == 0
    suspended = runner.invoke(main, ["tenants", "suspend", "waltham-forest"])
    assert suspended.exit_code == 0, suspended.output
    shown = json.loads(runner.invoke(main, ["tenants", "show", "waltham-forest"]).stdout)
    assert shown["status"] == "suspended"
    twice = runner.invoke(main, ["tenants", "suspend", "waltham-forest"])
    assert twice.exit_code == 1
    assert "cannot become suspended" in twice.output
    assert runner.invoke(main, ["tenants", "resume", "waltham-forest"]).exit_code == 0


async def test_an_unmigrated_database_says_what_to_run(
    runner: CliRunner, embedded_postgres: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"civicshare_empty_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(embedded_postgres.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", embedded_postgres.url(name))
    result = await asyncio.to_thread(runner.invoke, main, ["tenants", "list"])
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await admin.dispose()
    assert result.exit_code == 1
    assert "civicshare migrate" in result.output


def test_a_front_door_file_that_cannot_be_kept_is_refused_naming_the_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(SHIPPED, directory)
    door = directory / "front-doors" / "surrey.toml"
    door.write_text(door.read_text().replace('surrey-county = ["', 'surrey-county = ["report-missed-bin", "'))
    monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(directory))
    result = runner.invoke(main, ["tenants", "sync"])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "the councils are applied, but no front door" in output
    assert "front-doors/surrey.toml: responsibilities.surrey-county" in output
    assert "surrey-county does not offer 'report-missed-bin'" in output

    shipped = runner.invoke(main, ["tenants", "front-door", str(SHIPPED / "front-doors" / "surrey.toml")])
    assert shipped.exit_code == 0, shipped.output
    assert "front door surrey: " in shipped.output
