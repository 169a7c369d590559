"""Front doors kept beside the councils' definitions: `tenants/front-doors/<slug>.toml`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.modules import ModuleRegistry
from civicshare.places.front_doors import FrontDoorDefinition, FrontDoorProblem, InvalidFrontDoor, set_front_door

FOLDER = "front-doors"


def read_front_door(path: Path) -> FrontDoorDefinition:
    """The front door in a TOML file, named by the file (InvalidFrontDoor naming each problem)."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidFrontDoor([FrontDoorProblem("(file)", f"cannot be read: {error}")]) from None
    if data.setdefault("slug", path.stem) != path.stem:
        raise InvalidFrontDoor([FrontDoorProblem("slug", f"must match the file name ({path.stem!r})")])
    try:
        return FrontDoorDefinition.model_validate(data)
    except ValidationError as error:
        raise InvalidFrontDoor(
            [
                FrontDoorProblem(".".join(str(p) for p in item["loc"]), item["msg"].removeprefix("Value error, "))
                for item in error.errors()
            ]
        ) from None


def front_door_files(tenants_dir: Path) -> list[Path]:
    return sorted((tenants_dir / FOLDER).glob("*.toml"))


async def sync_front_doors(engine: AsyncEngine, tenants_dir: Path, registry: ModuleRegistry) -> list[tuple[str, str]]:
    """Apply every front door file in one transaction (after the councils and their boundaries); each
    front door's slug with `updated` or `unchanged`. InvalidFrontDoor names the file: nothing is applied."""
    changes = []
    async with engine.begin() as connection:
        for path in front_door_files(tenants_dir):
            try:
                definition = read_front_door(path)
                changed = await set_front_door(connection, definition, registry)
            except InvalidFrontDoor as error:
                raise InvalidFrontDoor(
                    [FrontDoorProblem(f"{path}: {p.field}", p.message) for p in error.problems]
                ) from None
            changes.append((definition.slug, "updated" if changed else "unchanged"))
    return changes
