"""Councils as data: tenants/*.toml validated, synced idempotently, nothing half-applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from civicshare.db.engine import Database
from civicshare.tenancy.files import InvalidDefinitions, load_catalogue
from civicshare.tenancy.sync import sync_catalogue
from civicshare.tenancy.tables import tenants
from tests.support import host_for

SHIPPED = Path(__file__).resolve().parents[2] / "tenants"


def copy_of_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(SHIPPED, target)
    return target


def test_the_seven_shipped_councils_load_with_newham_and_havering_sharing_a_group() -> None:
    catalogue = load_catalogue(SHIPPED)
    assert {t.slug for t in catalogue.tenants} == {
        "kingston",
        "westminster",
        "newham",
        "havering",
        "waltham-forest",
        "surrey-county",  # a county and one of its districts, for the two-tier front door
        "elmbridge",
    }
    grouped = {t.slug for t in catalogue.tenants if t.group == "east-london"}
    assert grouped == {"newham", "havering"}


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (('gss_code = "E09000021"', 'gss_code = "X123"'), "gss_code", "8 digits"),
        (('gss_code = "E09000021"', 'gss_code = "E05000400"'), "gss_code", "not a local authority"),
        (('primary_colour = "#0b4b8a"', 'primary_colour = "blue"'), "branding.primary_colour", "pattern"),
        (('reference_prefix = "KNG"', 'reference_prefix = "NWM"'), "reference_prefix", "already used by"),
        (
            ('domains = ["kingston.civicshare.test"]', 'domains = ["newham.civicshare.test"]'),
            "domains",
            "already used",
        ),
        (('name = "Royal Borough', 'nmae = "x"\nname = "Royal Borough'), "nmae", "Extra inputs"),
        (('logo = "logos/kingston.svg"', 'logo = "logos/missing.svg"'), "branding.logo", "does not exist"),
        (
            ('logo = "logos/kingston.svg"', 'logo = "../../etc/passwd"'),
            "branding.logo",
            "inside the tenants folder",
        ),
    ],
)
def test_a_bad_council_file_is_rejected_with_file_field_and_reason(
    tmp_path: Path, edit: tuple[str, str], field: str, reason: str
) -> None:
    directory = copy_of_shipped(tmp_path)
    path = directory / "kingston.toml"
    original = path.read_text()
    assert edit[0] in original
    path.write_text(original.replace(edit[0], edit[1]))
    with pytest.raises(InvalidDefinitions) as raised:
        load_catalogue(directory)
    # A clash is reported on whichever of the two files comes second, naming the first.
    problems = [p for p in raised.value.problems if p.field == field]
    assert problems, raised.value.problems
    assert "kingston.toml" in {p.file.name for p in problems} | {problems[0].reason.split()[-1]}
    assert reason in problems[0].reason


def test_a_council_in_a_group_that_has_no_file_is_rejected(tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    (directory / "groups" / "east-london.toml").unlink()
    with pytest.raises(InvalidDefinitions) as raised:
        load_catalogue(directory)
    assert {(p.file.name, p.field) for p in raised.value.problems} == {
        ("newham.toml", "group"),
        ("havering.toml", "group"),
    }


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    (directory / "westminster.toml").write_text("name = 'unterminated")
    with pytest.raises(InvalidDefinitions, match=r"westminster.toml: \(file\): is not valid TOML"):
        load_catalogue(directory)


async def test_sync_onboards_the_councils_once_and_each_answers_on_its_own_host(
    database: Database, http: httpx.AsyncClient
) -> None:
    catalogue = load_catalogue(SHIPPED)
    first = await sync_catalogue(database.engine, catalogue)
    second = await sync_catalogue(database.engine, catalogue)
    # Updated only where an earlier test of the run changed a shipped council's modules (tests/web's councils).
    assert {c.action for c in first.tenants} <= {"created", "unchanged", "updated"}
    assert {c.action for c in second.tenants} == {"unchanged"}
    assert {c.action for c in second.groups} == {"unchanged"}
    for council in catalogue.tenants:
        response = await http.get("/api/v1/council", headers=host_for(council.slug))
        assert response.json()["name"] == council.name
        home = await http.get("/", headers=host_for(council.slug))
        assert council.name in home.text


async def test_a_changed_file_updates_the_council(database: Database, tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    await sync_catalogue(database.engine, load_catalogue(directory))
    path = directory / "westminster.toml"
    path.write_text(path.read_text().replace("Westminster City Council", "City of Westminster"))
    report = await sync_catalogue(database.engine, load_catalogue(directory))
    assert {c.slug: c.action for c in report.tenants}["westminster"] == "updated"
    async with database.engine.connect() as connection:
        name = await connection.scalar(select(tenants.c.name).where(tenants.c.slug == "westminster"))
    assert name == "City of Westminster"
    await sync_catalogue(database.engine, load_catalogue(SHIPPED))


async def test_a_clash_with_the_database_applies_nothing(database: Database, tmp_path: Path) -> None:
    await sync_catalogue(database.engine, load_catalogue(SHIPPED))
    directory = copy_of_shipped(tmp_path)
    (directory / "brent.toml").write_text(
        'name = "London Borough of Brent"\ngss_code = "E09000005"\nreference_prefix = "BRT"\n'
    )
    path = directory / "kingston.toml"
    # A new council (brent) and a GSS code that another council already holds in the database.
    path.write_text(path.read_text().replace('gss_code = "E09000021"', 'gss_code = "E09000033"'))
    (directory / "westminster.toml").unlink()
    with pytest.raises(Exception, match="E09000033"):
        await sync_catalogue(database.engine, load_catalogue(directory))
    async with database.engine.connect() as connection:
        brent = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == "brent"))
    assert brent is None
