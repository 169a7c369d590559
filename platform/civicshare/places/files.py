"""Boundaries kept beside the councils' definitions: `tenants/<slug>.boundary.geojson`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.places.boundaries import Boundary, InvalidBoundary, check_boundary
from civicshare.places.service import set_boundary

SUFFIX = ".boundary.geojson"


@dataclass(frozen=True)
class BoundaryFileProblem:
    file: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class InvalidBoundaryFiles(Exception):
    def __init__(self, problems: list[BoundaryFileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def boundary_file(tenants_dir: Path, slug: str) -> Path:
    return tenants_dir / f"{slug}{SUFFIX}"


def read_boundary(path: Path) -> Boundary:
    """The boundary in a GeoJSON file; a Feature's properties may say `illustrative` and `source`."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidBoundary([]) from error
    properties = data.get("properties") if isinstance(data, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    source = properties.get("source")
    return check_boundary(
        data, illustrative=properties.get("illustrative") is True, source=source if isinstance(source, str) else None
    )


def load_boundary_files(tenants_dir: Path, slugs: list[str]) -> dict[str, Boundary]:
    """The boundary file of each council that has one, all checked: any problem means none are returned."""
    found: dict[str, Boundary] = {}
    problems: list[BoundaryFileProblem] = []
    for slug in slugs:
        path = boundary_file(tenants_dir, slug)
        if not path.is_file():
            continue
        try:
            found[slug] = read_boundary(path)
        except InvalidBoundary as error:
            cause = error.__cause__
            reason = f"cannot be read as GeoJSON: {cause}" if cause else str(error)
            problems.append(BoundaryFileProblem(path, reason))
    if problems:
        raise InvalidBoundaryFiles(problems)
    return found


async def sync_boundaries(engine: AsyncEngine, boundaries: dict[str, Boundary]) -> list[tuple[str, str]]:
    """Apply the files' boundaries in one transaction; each council's slug with `updated` or `unchanged`."""
    changes = []
    async with engine.begin() as connection:
        for slug, boundary in boundaries.items():
            changed = await set_boundary(connection, slug, boundary)
            changes.append((slug, "updated" if changed else "unchanged"))
    return changes
