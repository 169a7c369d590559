"""Start-up: which service modules a deployment runs, and which plugins are reported as broken."""

from __future__ import annotations

import sys
import types
from dataclasses import replace
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from litestar import get
from litestar.types import ControllerRouterHandler
from sqlalchemy import Column, Integer, MetaData, Table

from civicshare.modules import (
    ENTRY_POINT_GROUP,
    ModuleRegistry,
    ModuleSettings,
    ServiceModule,
    UnknownService,
)

FAKE_DISTRIBUTION = "fake_council_plugins"


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in for installed plugin distributions, importable by entry points."""
    package = types.ModuleType(FAKE_DISTRIBUTION)
    monkeypatch.setitem(sys.modules, FAKE_DISTRIBUTION, package)
    return package


def publish(package: types.ModuleType, **exports: object) -> None:
    vars(package).update(exports)


def entry_point(name: str, attribute: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{FAKE_DISTRIBUTION}:{attribute}", group=ENTRY_POINT_GROUP)


def test_the_five_council_modules_are_found_through_their_entry_points() -> None:
    registry = ModuleRegistry.discover(core_version="0.1.0")

    assert {"highways", "waste", "parking", "council_tax", "building_control"} <= {m.code for m in registry}
    assert registry.problems == ()
    module, service = registry.service("report-pothole")
    assert (module.code, service.title) == ("highways", "Report a pothole")


def test_a_plugin_that_cannot_be_imported_is_reported_and_the_others_still_load(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, street_cleaning=graffiti)
    found = [
        EntryPoint(name="potholes_plus", value="civicshare_no_such_plugin:module", group=ENTRY_POINT_GROUP),
        entry_point("street_cleaning", "street_cleaning"),
    ]

    registry = ModuleRegistry.discover(core_version="0.1.0", found=found)

    assert [module.code for module in registry] == ["street_cleaning"]
    [problem] = registry.problems
    assert problem.name == "potholes_plus"
    assert "ModuleNotFoundError" in problem.reason
    assert "civicshare_no_such_plugin" in problem.reason


def test_an_entry_point_that_is_not_a_service_module_is_reported(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, settings_only=graffiti.settings_model())

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("odd", "settings_only")])

    assert registry.modules == ()
    assert registry.problems[0].name == "odd"
    assert "GraffitiSettings, not a ServiceModule" in registry.problems[0].reason


def test_a_zero_argument_factory_is_accepted(plugins: types.ModuleType, graffiti: ServiceModule[Any]) -> None:
    publish(plugins, make_module=lambda: graffiti)

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("street", "make_module")])

    assert registry.module("street_cleaning") is graffiti


def test_a_module_needing_a_newer_core_is_refused_with_both_versions(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, future=replace(graffiti, min_core_version="0.3"))

    registry = ModuleRegistry.discover(core_version="0.2.5", found=[entry_point("future", "future")])

    assert registry.modules == ()
    assert "needs core 0.3" in registry.problems[0].reason
    assert "this core is 0.2.5" in registry.problems[0].reason


def test_a_module_built_for_an_older_major_version_is_refused(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, old=replace(graffiti, min_core_version="1.2"))

    registry = ModuleRegistry.discover(core_version="2.0", found=[entry_point("old", "old")])

    assert [problem.name for problem in registry.problems] == ["old"]


def test_a_second_plugin_reusing_a_module_code_is_reported(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, first=graffiti)
    publish(plugins, copy=replace(graffiti, title="Street cleaning (fork)"))

    registry = ModuleRegistry.discover(
        core_version="0.1.0", found=[entry_point("a_original", "first"), entry_point("b_fork", "copy")]
    )

    assert [module.title for module in registry] == ["Street cleaning"]
    assert registry.problems[0].name == "b_fork"
    assert "'street_cleaning' is already used" in registry.problems[0].reason


def test_a_plugin_reusing_another_modules_service_code_is_reported(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, first=graffiti)
    publish(plugins, other=replace(graffiti, code="graffiti_busters"))

    registry = ModuleRegistry.discover(
        core_version="0.1.0", found=[entry_point("a", "first"), entry_point("b", "other")]
    )

    assert "['report-graffiti'] are already provided by module 'street_cleaning'" in registry.problems[0].reason


def test_a_plugin_that_is_not_installed_is_simply_not_listed(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    publish(plugins, street_cleaning=graffiti)

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("street", "street_cleaning")])

    assert "waste" not in registry
    assert registry.problems == ()
    with pytest.raises(UnknownService):
        registry.service("garden-waste-subscription")


def test_a_question_without_a_label_is_refused_at_start_up(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    from civicshare.modules import FormStep, StepForm

    class Unlabelled(StepForm):
        name: str

    service = replace(
        graffiti.services[0],
        steps=(*graffiti.services[0].steps, FormStep(code="extra", title="Extra", form=Unlabelled)),
    )
    publish(plugins, sloppy=replace(graffiti, services=(service,)))

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("sloppy", "sloppy")])

    assert "'name' is not declared with answer()" in registry.problems[0].reason


def test_settings_without_defaults_are_refused_at_start_up(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    class NoDefaults(ModuleSettings):
        permit_price_pence: int

    publish(plugins, strict=replace(graffiti, settings_model=NoDefaults))

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("strict", "strict")])

    assert "settings without a default: permit_price_pence" in registry.problems[0].reason


def test_module_tables_are_declared_on_the_tenant_metadata(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    def tables(metadata: MetaData) -> None:
        Table("street_cleaning_rounds", metadata, Column("id", Integer, primary_key=True))

    publish(plugins, tidy=replace(graffiti, tenant_metadata_tables=tables))
    metadata = MetaData(schema="tenant")

    registry = ModuleRegistry.discover(
        core_version="0.1.0", found=[entry_point("tidy", "tidy")], tenant_metadata=metadata
    )

    assert registry.problems == ()
    assert "tenant.street_cleaning_rounds" in metadata.tables


def test_a_module_table_that_could_clash_with_the_core_is_refused_and_removed(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    def tables(metadata: MetaData) -> None:
        Table("transactions", metadata, Column("id", Integer, primary_key=True))

    publish(plugins, greedy=replace(graffiti, tenant_metadata_tables=tables))
    metadata = MetaData(schema="tenant")

    registry = ModuleRegistry.discover(
        core_version="0.1.0", found=[entry_point("greedy", "greedy")], tenant_metadata=metadata
    )

    assert "table names must start with 'street_cleaning_'" in registry.problems[0].reason
    assert "tenant.transactions" not in metadata.tables
    assert registry.modules == ()


def test_module_routes_are_collected_for_the_app(plugins: types.ModuleType, graffiti: ServiceModule[Any]) -> None:
    @get("/street-cleaning/rounds", sync_to_thread=False)
    def rounds() -> list[str]:
        return ["Monday"]

    publish(plugins, with_routes=replace(graffiti, routes=lambda: [rounds]))

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("routes", "with_routes")])

    assert registry.route_handlers() == [rounds]


def test_a_routes_hook_that_crashes_is_reported_not_raised(
    plugins: types.ModuleType, graffiti: ServiceModule[Any]
) -> None:
    def broken_routes() -> list[ControllerRouterHandler]:
        raise RuntimeError("templates folder missing")

    publish(plugins, crashing=replace(graffiti, routes=broken_routes))

    registry = ModuleRegistry.discover(core_version="0.1.0", found=[entry_point("crashing", "crashing")])

    assert registry.problems[0].reason == "RuntimeError: templates folder missing"


def test_a_service_module_cannot_be_declared_with_an_online_only_service_counting_toward_shift(
    graffiti: ServiceModule[Any],
) -> None:
    with pytest.raises(ValueError, match="online-only"):
        replace(graffiti.services[0], online_only=True, counts_toward_channel_shift=True)
