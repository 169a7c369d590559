"""Councils with boundaries for the places tests: operators set them through the admin API, and officers
and residents of the dev identity use them (tests.auth's fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from civicshare.db.engine import Database
from tests.admin.conftest import bearer, make_key
from tests.auth.conftest import council, dev_identity
from tests.support import ServedPlatform

__all__ = ["council", "dev_identity"]


def square(west: float, south: float, size: float = 0.05) -> dict[str, Any]:
    """A square council area (GeoJSON Polygon, longitude then latitude) with its south-west corner given."""
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="session")
async def operator_key(database: Database) -> str:
    return await make_key(database, "full", name="places tests")


@pytest.fixture
async def operator(served: ServedPlatform, operator_key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=60, headers=bearer(operator_key)) as client:
        yield client


async def give_boundary(operator: httpx.AsyncClient, slug: str, boundary: dict[str, Any]) -> None:
    answer = await operator.put(f"/admin/v1/councils/{slug}/boundary", json={"boundary": boundary})
    assert answer.status_code == 200, answer.text
