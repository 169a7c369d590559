"""Discover service modules from entry points; report broken plugins instead of failing later.

The app factory builds one `ModuleRegistry` at start-up:

    registry = ModuleRegistry.discover(core_version=installed_core_version(), tenant_metadata=metadata)
    for problem in registry.problems:
        log.warning("plugin %s not loaded: %s", problem.name, problem.reason)

A plugin that cannot be imported, returns the wrong type, needs a newer core, reuses a module or
service code, or declares an incomplete form is left out and listed in `problems`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from litestar.types import ControllerRouterHandler
from pydantic import ValidationError
from sqlalchemy import MetaData

from civicshare.modules.answers import answer_spec
from civicshare.modules.compatibility import is_compatible
from civicshare.modules.configuration import ModuleSettings
from civicshare.modules.contract import ENTRY_POINT_GROUP, ServiceDefinition, ServiceModule
from civicshare.modules.location import LocationForm


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that was not loaded: the entry point's name and why, in words for an operator."""

    name: str
    reason: str


class UnknownModule(KeyError):
    pass


class UnknownService(KeyError):
    pass


@dataclass(frozen=True)
class ModuleRegistry:
    """The service modules this deployment runs, looked up by module code or service code."""

    modules: tuple[ServiceModule[Any], ...]
    problems: tuple[PluginProblem, ...] = ()
    _routes: dict[str, tuple[ControllerRouterHandler, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def discover(
        cls,
        *,
        core_version: str,
        found: Iterable[EntryPoint] | None = None,
        tenant_metadata: MetaData | None = None,
    ) -> ModuleRegistry:
        """Load every entry point in the `civicshare.modules` group (or those given in `found`)."""
        candidates = entry_points(group=ENTRY_POINT_GROUP) if found is None else found
        loaded: list[ServiceModule[Any]] = []
        routes: dict[str, tuple[ControllerRouterHandler, ...]] = {}
        problems: list[PluginProblem] = []
        for entry_point in sorted(candidates, key=lambda candidate: candidate.name):
            try:
                module = _load(entry_point)
                _check(module, core_version, loaded)
                routes[module.code] = tuple(module.routes())
                if tenant_metadata is not None:
                    _declare_tables(module, tenant_metadata)
            except Exception as failure:  # any failure in a plugin is reported, never raised
                problems.append(PluginProblem(entry_point.name, _describe(failure)))
                continue
            loaded.append(module)
        return cls(modules=tuple(loaded), problems=tuple(problems), _routes=routes)

    def __iter__(self) -> Iterator[ServiceModule[Any]]:
        return iter(self.modules)

    def __contains__(self, module_code: object) -> bool:
        return any(module.code == module_code for module in self.modules)

    def module(self, code: str) -> ServiceModule[Any]:
        for module in self.modules:
            if module.code == code:
                return module
        raise UnknownModule(code)

    def service(self, code: str) -> tuple[ServiceModule[Any], ServiceDefinition[Any]]:
        """The service with this code and the module that provides it."""
        for module in self.modules:
            for service in module.services:
                if service.code == code:
                    return module, service
        raise UnknownService(code)

    def route_handlers(self) -> list[ControllerRouterHandler]:
        return [handler for module in self.modules for handler in self._routes.get(module.code, ())]


class _Refused(Exception):
    """A plugin that loaded but breaks the contract."""


def _load(entry_point: EntryPoint) -> ServiceModule[Any]:
    exported = entry_point.load()
    if not isinstance(exported, ServiceModule) and callable(exported):
        exported = exported()
    if not isinstance(exported, ServiceModule):
        raise _Refused(f"entry point gives {type(exported).__name__}, not a ServiceModule")
    return exported


def _check(module: ServiceModule[Any], core_version: str, loaded: Sequence[ServiceModule[Any]]) -> None:
    if not is_compatible(core_version, module.min_core_version):
        raise _Refused(
            f"module {module.code!r} {module.version} needs core {module.min_core_version} or later "
            f"(same major version); this core is {core_version}"
        )
    for other in loaded:
        if other.code == module.code:
            raise _Refused(f"module code {module.code!r} is already used by another plugin")
        clash = {service.code for service in other.services} & {service.code for service in module.services}
        if clash:
            raise _Refused(f"service codes {sorted(clash)} are already provided by module {other.code!r}")
    _check_settings_model(module)
    for service in module.services:
        _check_form(module, service)


def _check_settings_model(module: ServiceModule[Any]) -> None:
    if not (isinstance(module.settings_model, type) and issubclass(module.settings_model, ModuleSettings)):
        raise _Refused(f"module {module.code!r}: settings_model must subclass ModuleSettings")
    try:
        module.default_settings()
    except ValidationError as error:
        missing = ", ".join(".".join(map(str, detail["loc"])) for detail in error.errors())
        raise _Refused(f"module {module.code!r}: settings without a default: {missing}") from error


def _check_form(module: ServiceModule[Any], service: ServiceDefinition[Any]) -> None:
    where = f"module {module.code!r}, service {service.code!r}"
    for step in service.steps:
        for name, info in step.form.model_fields.items():
            spec = answer_spec(info)
            if spec is None:
                raise _Refused(f"{where}, step {step.code!r}: {name!r} is not declared with answer()")
            if info.is_required() and "missing" not in spec.errors:
                raise _Refused(f"{where}, step {step.code!r}: {name!r} needs a 'missing' error message")
    if service.location_required and not any(issubclass(step.form, LocationForm) for step in service.steps):
        raise _Refused(f"{where}: location is required but no step asks for it (use LocationForm)")


def _declare_tables(module: ServiceModule[Any], metadata: MetaData) -> None:
    """Run the module's table hook; on any failure take its tables back out of the metadata."""
    if module.tenant_metadata_tables is None:
        return
    before = set(metadata.tables)
    try:
        module.tenant_metadata_tables(metadata)
        prefix = f"{module.code}_"
        stray = sorted(name for name in set(metadata.tables) - before if not name.split(".")[-1].startswith(prefix))
        if stray:
            raise _Refused(f"module {module.code!r}: table names must start with {prefix!r}: {stray}")
    except Exception:
        for name in set(metadata.tables) - before:
            metadata.remove(metadata.tables[name])
        raise


def _describe(failure: Exception) -> str:
    if isinstance(failure, _Refused):
        return str(failure)
    return f"{type(failure).__name__}: {failure}"
