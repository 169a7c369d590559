"""What the admin API needs to know about service modules, as a small protocol.

`RegistryCatalogue` answers from the module registry (`civicshare.modules`, built from entry points);
`EmptyCatalogue` knows no module at all.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from civicshare.modules import ModuleRegistry, settings_problems
from civicshare.tenancy.definitions import GroupDefinition, TenantDefinition

FieldError = tuple[str, str]


@runtime_checkable
class ModuleCatalogue(Protocol):
    def known(self, code: str) -> bool:
        """Whether a module with this code is installed on the platform."""
        ...

    def validate_settings(self, code: str, settings: dict[str, Any]) -> list[FieldError]:
        """The (field, message) problems of these per-council settings against the module's settings model."""
        ...


class EmptyCatalogue:
    """No module installed: every module code is unknown."""

    def known(self, code: str) -> bool:
        return False

    def validate_settings(self, code: str, settings: dict[str, Any]) -> list[FieldError]:
        return [("module", f"no module {code!r} is installed")]


def module_problems(catalogue: ModuleCatalogue, modules: dict[str, Any], *, field: str = "modules") -> list[FieldError]:
    """Problems of a `modules` table (code -> ModuleChoice) as written in a definition."""
    problems: list[FieldError] = []
    for code, choice in modules.items():
        if not catalogue.known(code):
            problems.append((f"{field}.{code}", f"no module {code!r} is installed on this platform"))
            continue
        problems += [
            (f"{field}.{code}.settings.{name}", message)
            for name, message in catalogue.validate_settings(code, dict(choice.settings))
        ]
    return problems


def definition_problems(catalogue: ModuleCatalogue, definition: TenantDefinition | GroupDefinition) -> list[FieldError]:
    return module_problems(catalogue, definition.modules)


class RegistryCatalogue:
    """The installed module registry, as the admin API sees it."""

    def __init__(self, registry: ModuleRegistry) -> None:
        self._registry = registry

    def known(self, code: str) -> bool:
        return code in self._registry

    def validate_settings(self, code: str, settings: dict[str, Any]) -> list[FieldError]:
        problems = settings_problems(self._registry.module(code), council=settings)
        return [(problem.path, problem.message) for problem in problems]
