"""`civicshare report ...` and `civicshare demo-data load` from a terminal."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from civicshare.cli import main
from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.service import check_rollups
from civicshare.transactions.tables import daily_rollups
from tests.savings.conftest import LiveCouncilFactory, record_contacts


async def civicshare(database_url: str, *args: str) -> Result:
    runner = CliRunner()
    env = {"CIVICSHARE_DATABASE_URL": database_url, "CIVICSHARE_LOG_FORMAT": "console"}
    return await asyncio.to_thread(runner.invoke, main, list(args), env=env, catch_exceptions=False)


async def test_a_report_from_the_command_line(
    database: Database, database_url: str, live_council: LiveCouncilFactory, tmp_path: Path
) -> None:
    council = await live_council()
    await record_contacts(database, council, date(2024, 5, 2), "report-pothole", "web", 3)
    offline = tmp_path / "calls.csv"
    offline.write_text("date,service,channel,count\n2024-05-02,report-pothole,phone,7\n2024-05-03,x,fax,1\n")
    imported = await civicshare(
        database_url, "report", "import-offline", "--tenant", council.slug, "--partial", str(offline)
    )
    assert imported.exit_code == 0, imported.output
    assert "1 rows accepted (1 new or changed), 1 skipped" in imported.output

    as_csv = await civicshare(
        database_url, "report", "savings", "--tenant", council.slug, "--from", "2024-05-01", "--to", "2024-05-31",
        "--format", "csv",
    )  # fmt: skip
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {(row["channel"], row["volume"]) for row in rows} == {("phone", "7"), ("web", "3")}

    as_json = await civicshare(
        database_url, "report", "savings", "--tenant", council.slug, "--from", "2024-05-01", "--to", "2024-05-31"
    )
    assert json.loads(as_json.stdout)["report"]["totals"]["volume"] == 10


async def test_rollups_are_rebuilt_from_the_command_line(
    database: Database, database_url: str, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    async with tenant_connection(database.engine, council) as connection:
        await connection.execute(
            daily_rollups.insert().values(
                day=date(2024, 1, 1), service="report-missed-bin", channel="web", is_test=False, count=4
            )
        )
    rebuilt = await civicshare(database_url, "report", "rebuild-rollups", "--tenant", council.slug)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "1 differed" in rebuilt.output
    async with tenant_connection(database.engine, council) as connection:
        assert await check_rollups(connection) == []
    missing = await civicshare(database_url, "report", "rebuild-rollups", "--tenant", "nowhere")
    assert missing.exit_code != 0


async def test_demo_data_from_the_command_line(database_url: str, live_council: LiveCouncilFactory) -> None:
    council = await live_council()
    loaded = await civicshare(database_url, "demo-data", "load", "--months", "1", "--tenant", council.slug)
    assert loaded.exit_code == 0, loaded.output
    assert f"{council.slug}: " in loaded.output and "transactions" in loaded.output
