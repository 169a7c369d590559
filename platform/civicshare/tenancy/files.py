"""Reading councils and shared-service groups from `tenants/*.toml` and `tenants/groups/*.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from civicshare.tenancy.definitions import GroupDefinition, TenantDefinition

Definition = TypeVar("Definition", bound=BaseModel)

LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
LOGO_MAX_BYTES = 200_000


@dataclass(frozen=True)
class DefinitionProblem:
    file: Path
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class InvalidDefinitions(Exception):
    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Catalogue:
    tenants: tuple[TenantDefinition, ...]
    groups: tuple[GroupDefinition, ...]


def _read(path: Path, model: type[Definition], problems: list[DefinitionProblem]) -> Definition | None:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(DefinitionProblem(path, "(file)", f"cannot be read: {error}"))
        return None
    except tomllib.TOMLDecodeError as error:
        problems.append(DefinitionProblem(path, "(file)", f"is not valid TOML: {error}"))
        return None
    stem = path.stem
    if data.setdefault("slug", stem) != stem:
        problems.append(DefinitionProblem(path, "slug", f"must match the file name ({stem!r})"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "(file)"
            problems.append(DefinitionProblem(path, field, item["msg"].removeprefix("Value error, ")))
        return None


def _check_logo(path: Path, tenants_dir: Path, logo: str, problems: list[DefinitionProblem]) -> None:
    logo_path = (tenants_dir / logo).resolve()
    if not logo_path.is_relative_to(tenants_dir.resolve()):
        problems.append(DefinitionProblem(path, "branding.logo", "must stay inside the tenants folder"))
    elif logo_path.suffix.lower() not in LOGO_TYPES:
        problems.append(DefinitionProblem(path, "branding.logo", "must be an SVG or PNG file"))
    elif not logo_path.is_file():
        problems.append(DefinitionProblem(path, "branding.logo", f"file {logo} does not exist"))
    elif logo_path.stat().st_size > LOGO_MAX_BYTES:
        problems.append(DefinitionProblem(path, "branding.logo", f"must be {LOGO_MAX_BYTES // 1000} KB or smaller"))


def _check_uniqueness(tenants: list[tuple[Path, TenantDefinition]], problems: list[DefinitionProblem]) -> None:
    seen: dict[tuple[str, str], Path] = {}
    for path, tenant in tenants:
        keys = [("gss_code", tenant.gss_code), ("reference_prefix", tenant.reference_prefix)]
        keys += [("domains", domain) for domain in tenant.domains]
        for field, value in keys:
            other = seen.setdefault((field, value), path)
            if other != path:
                problems.append(DefinitionProblem(path, field, f"{value} is already used by {other.name}"))


def load_catalogue(tenants_dir: Path) -> Catalogue:
    """Every council and group file, validated together: any problem means nothing is returned."""
    problems: list[DefinitionProblem] = []
    groups = [
        (path, group)
        for path in sorted((tenants_dir / "groups").glob("*.toml"))
        if (group := _read(path, GroupDefinition, problems)) is not None
    ]
    tenants = [
        (path, tenant)
        for path in sorted(tenants_dir.glob("*.toml"))
        if (tenant := _read(path, TenantDefinition, problems)) is not None
    ]
    group_slugs = {group.slug for _, group in groups}
    for path, tenant in tenants:
        if tenant.group is not None and tenant.group not in group_slugs:
            problems.append(DefinitionProblem(path, "group", f"no group file tenants/groups/{tenant.group}.toml"))
        if tenant.branding.logo is not None:
            _check_logo(path, tenants_dir, tenant.branding.logo, problems)
    for path, group in groups:
        members = {tenant.slug for _, tenant in tenants if tenant.group == group.slug}
        strangers = set(group.apportionment.shares) - members
        if strangers:
            problems.append(
                DefinitionProblem(path, "apportionment.shares", f"not members of the group: {sorted(strangers)}")
            )
    _check_uniqueness(tenants, problems)
    if problems:
        raise InvalidDefinitions(problems)
    return Catalogue(tenants=tuple(t for _, t in tenants), groups=tuple(g for _, g in groups))
