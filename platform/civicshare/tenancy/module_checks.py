"""Checking the modules a council or group file names against the modules installed on this platform."""

from __future__ import annotations

from pathlib import Path

from civicshare.modules import ModuleRegistry, settings_problems
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.tenancy.files import Catalogue, DefinitionProblem, InvalidDefinitions


def _choice_problems(
    registry: ModuleRegistry, file: Path, code: str, group: ModuleChoice | None, council: ModuleChoice | None
) -> list[DefinitionProblem]:
    module = registry.module(code) if code in registry else None
    if module is None:
        installed = ", ".join(sorted(m.code for m in registry.modules)) or "none"
        return [DefinitionProblem(file, f"modules.{code}", f"no module {code!r} is installed (installed: {installed})")]
    problems = settings_problems(
        module,
        group=group.settings if group else None,
        council=council.settings if council else None,
    )
    return [DefinitionProblem(file, f"modules.{code}.settings.{p.path}", p.message) for p in problems]


def check_catalogue_modules(catalogue: Catalogue, registry: ModuleRegistry) -> None:
    """Raise InvalidDefinitions naming every unknown module and every setting its model refuses."""
    problems: list[DefinitionProblem] = []
    groups = {group.slug: group for group in catalogue.groups}
    for group in catalogue.groups:
        file = Path("tenants/groups") / f"{group.slug}.toml"
        for code, choice in group.modules.items():
            problems += _choice_problems(registry, file, code, choice, None)
    for tenant in catalogue.tenants:
        file = Path("tenants") / f"{tenant.slug}.toml"
        group_modules = groups[tenant.group].modules if tenant.group in groups else {}
        for code, choice in tenant.modules.items():
            problems += _choice_problems(registry, file, code, group_modules.get(code), choice)
    if problems:
        raise InvalidDefinitions(problems)
