"""`civicshare citus check` lists, council by council, what would stop `citus_schema_distribute`, read from
the catalogue of our own PostgreSQL (no Citus needed to know)."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import text

import civicshare.cli as cli
from civicshare.db.citus import violations
from civicshare.db.engine import Database
from civicshare.settings import Settings
from tests.conftest import CouncilFactory


def schema_of(slug: str) -> str:
    return f"tenant_{slug.replace('-', '_')}"


async def test_a_new_councils_schema_breaks_no_rule_but_the_outbox_wake_up_trigger(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await make_council()
    async with database.engine.connect() as connection:
        found = await violations(connection, [schema_of(council.slug)])
    assert {(v.rule, v.object.split(" ")[0]) for v in found} == {
        ("trigger", f"{schema_of(council.slug)}.outbox_events")
    }, found


async def test_each_rule_is_found_with_the_object_that_breaks_it_and_only_in_its_own_council(
    database: Database, make_council: CouncilFactory
) -> None:
    broken, other = await make_council(), await make_council()
    schema = schema_of(broken.slug)
    role = f"citus_check_{uuid.uuid4().hex[:8]}"
    async with database.engine.begin() as connection:
        for statement in (
            f"CREATE TABLE {schema}.wards (id bigint PRIMARY KEY, tenant_id bigint REFERENCES platform.tenants (id))",
            f"CREATE TABLE platform.ward_notes (ward_id bigint REFERENCES {schema}.wards (id))",
            f"CREATE TABLE {schema}.old_wards () INHERITS ({schema}.wards)",
            f"CREATE RULE no_deletes AS ON DELETE TO {schema}.wards DO INSTEAD NOTHING",
            f"CREATE SEQUENCE {schema}.ticket_numbers AS integer",
            f"CREATE ROLE {role}",
            f"CREATE TABLE {schema}.borrowed (id bigint)",
            f"ALTER TABLE {schema}.borrowed OWNER TO {role}",
        ):
            await connection.execute(text(statement))
    try:
        async with database.engine.connect() as connection:
            found = await violations(connection, [schema, schema_of(other.slug)])
        by_rule = {(v.rule, v.object.split(" ")[0]) for v in found if v.schema == schema}
        assert {
            ("foreign-key-out", f"{schema}.wards"),
            ("foreign-key-in", "platform.ward_notes"),
            ("inheritance", f"{schema}.old_wards"),
            ("rule", f"{schema}.wards"),
            ("small-sequence", f"{schema}.ticket_numbers"),
            ("owner", f"{schema}.borrowed"),
        } <= by_rule
        assert {v.rule for v in found if v.schema != schema} == {"trigger"}
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP TABLE platform.ward_notes"))
            await connection.execute(text(f"DROP TABLE {schema}.borrowed"))
            await connection.execute(text(f"DROP ROLE {role}"))


def test_the_command_lists_violations_and_fails(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli.main, ["citus", "check", "--json"])
    assert result.exit_code == 1, result.output
    report, _ = json.JSONDecoder().raw_decode(result.output)
    assert report["schemas"] >= 1
    assert {"schema", "rule", "object", "detail"} <= set(report["violations"][0])
    assert "violations in" in result.output
