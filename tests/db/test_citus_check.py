"""`civicshare citus check` lists, council by council, what would stop `citus_schema_distribute`, read from
the catalogue of our own PostgreSQL (no Citus needed to know)."""

from __future__ import annotations

import asyncio
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


async def test_a_new_councils_schema_breaks_no_rule(database: Database, make_council: CouncilFactory) -> None:
    council = await make_council()
    async with database.engine.connect() as connection:
        found = await violations(connection, [schema_of(council.slug)])
        triggers = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND r.relnamespace = CAST(:schema AS regnamespace)"
            ),
            {"schema": schema_of(council.slug)},
        )
    assert found == []
    assert triggers == 1  # the outbox wake-up: reviewed, with what it needs of a deployment (DEPLOYMENT_SETTINGS)


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
            # Unreviewed triggers: one calling the council's own function, one calling a function elsewhere,
            # and the reviewed trigger's name on another table.
            f"CREATE FUNCTION {schema}.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            f"CREATE TRIGGER wards_touched BEFORE UPDATE ON {schema}.wards "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.touch()",
            f"CREATE FUNCTION public.touch_{role}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            f"CREATE TRIGGER borrowed_touched BEFORE UPDATE ON {schema}.borrowed "
            f"FOR EACH ROW EXECUTE FUNCTION public.touch_{role}()",
            f"CREATE TRIGGER outbox_events_notify BEFORE UPDATE ON {schema}.old_wards "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.touch()",
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
            ("trigger", f"{schema}.wards"),
            ("trigger", f"{schema}.borrowed"),
            ("trigger", f"{schema}.old_wards"),
        } <= by_rule
        assert ("trigger", f"{schema}.outbox_events") not in by_rule
        elsewhere = next(v for v in found if v.rule == "trigger" and v.object.startswith(f"{schema}.borrowed"))
        assert f"public.touch_{role}" in elsewhere.detail
        assert [v for v in found if v.schema != schema] == []
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP TABLE platform.ward_notes"))
            await connection.execute(text(f"DROP TABLE {schema}.borrowed"))
            await connection.execute(text(f"DROP FUNCTION public.touch_{role}()"))
            await connection.execute(text(f"DROP ROLE {role}"))


async def test_the_command_lists_violations_and_fails(
    settings: Settings, database: Database, make_council: CouncilFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = schema_of((await make_council()).slug)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"CREATE SEQUENCE {schema}.ticket_numbers AS integer"))
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    result = await asyncio.to_thread(CliRunner().invoke, cli.main, ["citus", "check", "--json"])
    assert result.exit_code == 1, result.output
    report, _ = json.JSONDecoder().raw_decode(result.output)
    assert report["schemas"] >= 1
    assert {"schema": schema, "rule": "small-sequence", "object": f"{schema}.ticket_numbers"}.items() <= next(
        v for v in report["violations"] if v["schema"] == schema
    ).items()
    assert any("citus.enable_unsafe_triggers" in setting for setting in report["requires"])
    assert any("CIVICSHARE_OUTBOX_LISTEN_URLS" in setting for setting in report["requires"])
    assert "violations in" in result.output
