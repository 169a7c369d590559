"""Check the module settings a council or group file declares, before anything is applied.

`module_check(registry, groups)` fits `civicshare.tenancy.sync.sync_catalogue(check_modules=...)`: each
council's settings are resolved over its group's, exactly as they will run, and every problem is
reported as (field, message). A module this deployment does not run is not a problem here: the council
keeps its choice and the module is offered again when the plugin is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from civicshare.modules import ModuleRegistry, resolve_settings, settings_problems
from civicshare.tenancy.definitions import GroupDefinition, ModuleChoice, TenantDefinition


def choice_problems(
    registry: ModuleRegistry,
    modules: Mapping[str, ModuleChoice],
    group_modules: Mapping[str, ModuleChoice] | None = None,
) -> list[tuple[str, str]]:
    """Problems with a set of module choices, as (`modules.<code>.settings.<path>`, message)."""
    problems: list[tuple[str, str]] = []
    for code, choice in modules.items():
        if code not in registry:
            continue
        group = group_modules.get(code) if group_modules else None
        for problem in settings_problems(
            registry.module(code), group=group.settings if group else None, council=choice.settings
        ):
            problems.append((f"modules.{code}.settings.{problem.path}", problem.message))
    return problems


def module_check(
    registry: ModuleRegistry, groups: Iterable[GroupDefinition]
) -> Callable[[TenantDefinition], list[tuple[str, str]]]:
    """A `ModuleCheck` for tenants sync: a council's settings over its group's, validated by each module."""
    by_slug: dict[str, dict[str, ModuleChoice]] = {group.slug: dict(group.modules) for group in groups}

    def check(tenant: TenantDefinition) -> list[tuple[str, str]]:
        group_modules = by_slug.get(tenant.group) if tenant.group else None
        return choice_problems(registry, tenant.modules, group_modules)

    return check


def group_problems(registry: ModuleRegistry, group: GroupDefinition) -> list[tuple[str, str]]:
    """Problems with a group's own settings, checked over module defaults."""
    return choice_problems(registry, group.modules)


def effective_settings_preview(
    registry: ModuleRegistry, module_code: str, *, group: Mapping[str, Any] | None, council: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What a council would run a module with (for operators checking a change); raises SettingsInvalid."""
    settings = resolve_settings(registry.module(module_code), group=group, council=council)
    dumped: dict[str, Any] = settings.model_dump(mode="json")
    return dumped
