"""A council file may only name installed modules, with settings each module's own model accepts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from civicshare.modules import ModuleRegistry, installed_core_version
from civicshare.tenancy.files import InvalidDefinitions, load_catalogue
from civicshare.tenancy.module_checks import check_catalogue_modules

SHIPPED = Path(__file__).resolve().parents[2] / "tenants"


@pytest.fixture(scope="module")
def registry() -> ModuleRegistry:
    return ModuleRegistry.discover(core_version=installed_core_version())


def with_extra(tmp_path: Path, file: str, extra: str) -> Path:
    directory = tmp_path / "tenants"
    shutil.copytree(SHIPPED, directory)
    path = directory / file
    path.write_text(path.read_text() + "\n" + extra)
    return directory


def test_the_shipped_councils_name_only_installed_modules_with_valid_settings(registry: ModuleRegistry) -> None:
    check_catalogue_modules(load_catalogue(SHIPPED), registry)


def test_an_unknown_module_is_named_with_the_installed_ones(tmp_path: Path, registry: ModuleRegistry) -> None:
    directory = with_extra(tmp_path, "kingston.toml", "[modules.libraries]\n")
    with pytest.raises(InvalidDefinitions) as raised:
        check_catalogue_modules(load_catalogue(directory), registry)
    [problem] = raised.value.problems
    assert problem.file.name == "kingston.toml"
    assert problem.field == "modules.libraries"
    assert "highways" in problem.reason


def test_a_setting_the_module_refuses_is_named_for_a_council_and_for_a_group(
    tmp_path: Path, registry: ModuleRegistry
) -> None:
    directory = with_extra(
        tmp_path, "westminster.toml", "[modules.waste.settings]\ngarden_waste_price_per_bin_pence = -5\n"
    )
    group = directory / "groups" / "east-london.toml"
    group.write_text(group.read_text() + "\n[modules.building_control.settings]\nno_such_setting = 1\n")
    with pytest.raises(InvalidDefinitions) as raised:
        check_catalogue_modules(load_catalogue(directory), registry)
    fields = {(p.file.name, p.field) for p in raised.value.problems}
    assert ("westminster.toml", "modules.waste.settings.garden_waste_price_per_bin_pence") in fields
    assert ("east-london.toml", "modules.building_control.settings.no_such_setting") in fields
