"""Per-council module settings: defaults < shared-service group < council, validated by the module.

A council's TOML file (or the admin API) holds plain dictionaries; `resolve_settings` merges them
over the module's defaults and validates the result with the module's `settings_model`, reporting
every problem as (field path, message) so an operator can fix the file in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from civicshare.modules.contract import ServiceModule


class ModuleSettings(BaseModel):
    """Base class of every module's settings model; every field must have a default.

    `state_labels` lets a council relabel workflow statuses for residents ("resolved" shown as
    "Fixed" or "Completed"); `services_offered` limits which of the module's services it runs
    (None means all of them).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_labels: dict[str, str] = Field(default_factory=dict)
    services_offered: list[str] | None = None


SettingsT = TypeVar("SettingsT", bound=ModuleSettings)


@dataclass(frozen=True)
class SettingsProblem:
    path: str
    message: str


class SettingsInvalid(ValueError):
    def __init__(self, module_code: str, problems: list[SettingsProblem]) -> None:
        self.module_code = module_code
        self.problems = problems
        listed = "; ".join(f"{problem.path}: {problem.message}" for problem in problems)
        super().__init__(f"settings for module {module_code!r} are not valid: {listed}")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Dictionaries merge key by key at every depth; anything else (lists included) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_settings(
    module: ServiceModule[SettingsT],
    *,
    group: Mapping[str, Any] | None = None,
    council: Mapping[str, Any] | None = None,
) -> SettingsT:
    """The effective settings a council runs a module with; raises SettingsInvalid listing problems."""
    layered = deep_merge(module.default_settings().model_dump(), group or {})
    layered = deep_merge(layered, council or {})
    try:
        settings = module.settings_model.model_validate(layered)
    except ValidationError as error:
        raise SettingsInvalid(module.code, _problems(error)) from error
    problems = _unknown_names(module, settings)
    if problems:
        raise SettingsInvalid(module.code, problems)
    return settings


def settings_problems(
    module: ServiceModule[Any],
    *,
    group: Mapping[str, Any] | None = None,
    council: Mapping[str, Any] | None = None,
) -> list[SettingsProblem]:
    """Every problem with a council's settings for a module; empty when they are valid."""
    try:
        resolve_settings(module, group=group, council=council)
    except SettingsInvalid as invalid:
        return invalid.problems
    return []


def _problems(error: ValidationError) -> list[SettingsProblem]:
    return [
        SettingsProblem(".".join(str(part) for part in detail["loc"]) or "(settings)", detail["msg"])
        for detail in error.errors()
    ]


def _unknown_names(module: ServiceModule[Any], settings: ModuleSettings) -> list[SettingsProblem]:
    problems: list[SettingsProblem] = []
    statuses = {state for service in module.services for state in service.workflow.states}
    for status in settings.state_labels:
        if status not in statuses:
            problems.append(SettingsProblem(f"state_labels.{status}", f"No status called {status!r}"))
    codes = {service.code for service in module.services}
    for code in settings.services_offered or ():
        if code not in codes:
            problems.append(SettingsProblem("services_offered", f"No service called {code!r}"))
    return problems
