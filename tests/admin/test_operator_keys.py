"""Operators prove who they are with API keys: shown once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from civicshare.admin.tables import operator_api_keys
from civicshare.cli import main
from civicshare.db.engine import Database
from tests.admin.conftest import bearer, make_key, new_council
from tests.support import ServedPlatform


async def test_no_key_or_a_wrong_key_is_401_with_a_problem(http: httpx.AsyncClient) -> None:
    for headers in ({}, bearer("cs_live_0123456789abnot-a-real-key-at-all-000000000000"), bearer("garbage")):
        response = await http.get("/admin/v1/councils", headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_read_only_key_reads_but_cannot_change(reader: httpx.AsyncClient, database: Database) -> None:
    assert (await reader.get("/admin/v1/councils")).status_code == 200
    definition = new_council()
    response = await reader.post("/admin/v1/councils", json=definition)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:civicshare:problem:read-only-operator"
    assert (await reader.get(f"/admin/v1/councils/{definition['slug']}")).status_code == 404


async def test_a_key_is_shown_once_and_then_only_described(admin: httpx.AsyncClient, served: ServedPlatform) -> None:
    created = await admin.post("/admin/v1/api-keys", json={"name": "night shift", "scope": "read"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith("cs_live_")
    assert body["expires_at"] is not None

    described = (await admin.get(f"/admin/v1/api-keys/{body['id']}")).json()
    assert "key" not in described and described["name"] == "night shift"
    listed = (await admin.get("/admin/v1/api-keys", params={"scope": "read", "limit": 200})).json()
    assert body["id"] in [item["id"] for item in listed["items"]]
    assert all(item["scope"] == "read" and "key" not in item for item in listed["items"])

    async with httpx.AsyncClient(base_url=served.url, headers=bearer(body["key"])) as night_shift:
        assert (await night_shift.get("/admin/v1/councils")).status_code == 200
        revoked = await admin.post(f"/admin/v1/api-keys/{body['id']}/revoke")
        assert revoked.json()["revoked_at"] is not None
        assert (await night_shift.get("/admin/v1/councils")).status_code == 401


async def test_an_expired_key_is_refused(served: ServedPlatform, database: Database) -> None:
    key = await make_key(database, "full", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    async with httpx.AsyncClient(base_url=served.url, headers=bearer(key)) as client:
        assert (await client.get("/admin/v1/councils")).status_code == 401


async def test_the_last_use_is_recorded_at_most_once_a_minute(served: ServedPlatform, database: Database) -> None:
    key = await make_key(database, "read")

    async def last_used() -> datetime | None:
        async with database.engine.connect() as connection:
            return await connection.scalar(
                select(operator_api_keys.c.last_used_at).where(operator_api_keys.c.key_id == key[8:20])
            )

    assert await last_used() is None
    async with httpx.AsyncClient(base_url=served.url, headers={"X-API-Key": key}) as client:
        await client.get("/admin/v1/councils")
        first = await last_used()
        assert first is not None
        await client.get("/admin/v1/councils")
        assert await last_used() == first


def test_the_first_key_comes_from_the_command_line(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["admin", "create-key", "--name", "bootstrap", "--scope", "full"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("cs_live_")
