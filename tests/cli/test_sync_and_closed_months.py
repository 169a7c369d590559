"""An operator's `civicshare tenants sync` cannot quietly change a month the councils have signed off."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from civicshare.cli import main
from civicshare.db.engine import Database
from civicshare.savings.closing import close_in_group, group_of, reopen_in_group
from civicshare.tenancy.records import load_tenant_contexts
from tests.cli.test_tenants_command import SHIPPED, runner

__all__ = ["runner"]
MARCH = date(2024, 3, 1)


async def test_a_sync_that_would_reprice_or_reapportion_a_closed_month_applies_nothing(
    runner: CliRunner, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await _invoke(runner, "tenants", "sync")).exit_code == 0
    async with database.engine.connect() as connection:
        councils = await load_tenant_contexts(connection)
    east_london = group_of(next(council for council in councils if council.slug == "newham"), councils)
    async with database.engine.begin() as connection:
        await close_in_group(connection, east_london, MARCH, by="tests", note=None)
    try:
        directory = tmp_path / "tenants"
        shutil.copytree(SHIPPED, directory)
        group_file = directory / "groups" / "east-london.toml"
        group_file.write_text(group_file.read_text().replace('"120000.00"', '"90000.00"'))
        with (directory / "havering.toml").open("a") as council_file:
            council_file.write(
                '\n[[unit_cost_overrides]]\nchannel = "phone"\ncost = "3.10"\neffective_from = "2024-03-10"\n'
            )
        monkeypatch.setenv("CIVICSHARE_TENANTS_DIR", str(directory))
        refused = await _invoke(runner, "tenants", "sync")
        assert refused.exit_code == 1, refused.output
        assert "nothing was applied" in refused.output
        assert "Group east-london's platform cost or apportionment" in refused.output
        assert "havering's unit costs in tenants/ would change the figures of March 2024" in refused.output
    finally:
        async with database.engine.begin() as connection:
            await reopen_in_group(connection, east_london, MARCH, by="tests", reason="test over")


async def _invoke(runner: CliRunner, *args: str) -> Result:
    return await asyncio.to_thread(runner.invoke, main, list(args))
