"""Operators for the admin API tests: keys of each scope, clients that send them, a catalogue of modules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicshare.admin.keys import create_key
from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.policy.operators import OperatorScope
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.worker import run_job_worker
from tests.support import ServedPlatform, council_definition


class HighwaysSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repair_days: int = Field(default=28, ge=1, le=90)
    contact_email: str | None = None


class WasteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection_day: str = "monday"


class FakeCatalogue:
    """Two modules with settings models, as the module registry will offer them."""

    models: dict[str, type[BaseModel]] = {"highways": HighwaysSettings, "waste": WasteSettings}

    def known(self, code: str) -> bool:
        return code in self.models

    def validate_settings(self, code: str, settings: dict[str, Any]) -> list[tuple[str, str]]:
        try:
            self.models[code].model_validate(settings)
        except ValidationError as error:
            return [(".".join(str(part) for part in item["loc"]), item["msg"]) for item in error.errors()]
        return []


@pytest.fixture(scope="session", autouse=True)
def module_catalogue(served: ServedPlatform) -> FakeCatalogue:
    catalogue = FakeCatalogue()
    served.services.modules = catalogue
    return catalogue


async def make_key(
    database: Database, scope: str, *, name: str = "test operator", expires_at: datetime | None = None
) -> str:
    async with database.engine.begin() as connection:
        created = await create_key(
            connection, name=name, scope=OperatorScope(scope), expires_at=expires_at, created_by="tests"
        )
    return created.key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
async def full_key(database: Database) -> str:
    return await make_key(database, "full", name="test operator (full)")


@pytest.fixture(scope="session")
async def read_key(database: Database) -> str:
    return await make_key(database, "read", name="test operator (read)")


@pytest.fixture
async def admin(served: ServedPlatform, full_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """An operator with a full-scope key, talking to the served platform."""
    async with httpx.AsyncClient(base_url=served.url, timeout=60, headers=bearer(full_key)) as client:
        yield client


@pytest.fixture
async def reader(served: ServedPlatform, read_key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=60, headers=bearer(read_key)) as client:
        yield client


def new_council(slug: str | None = None, **fields: object) -> dict[str, Any]:
    """A council definition as an operator would send it (the fields of tenants/<slug>.toml)."""
    return council_definition(slug, **fields).model_dump(mode="json")


async def onboard(admin: httpx.AsyncClient, **fields: object) -> dict[str, Any]:
    response = await admin.post("/admin/v1/councils", json=new_council(**fields))  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    council: dict[str, Any] = response.json()
    return council


@pytest.fixture
async def job_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """A job worker's exports side (same data dir as the served platform), in the test's loop; the outbox
    side is left out so that no delivery changes a council's rows while the tests compare them."""
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False, outbox=False))
    await asyncio.sleep(0.5)
    yield services
    running.cancel()
    with suppress(asyncio.CancelledError):
        await running
    await services.database.dispose()


async def finished_export_job(admin: httpx.AsyncClient, slug: str, *, within: float = 60) -> dict[str, Any]:
    """Ask for the council's export (202), then poll its job as a client would until done or failed."""
    started = await admin.post(f"/admin/v1/councils/{slug}/exports")
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert started.json()["state"] == "queued" and started.json()["poll_url"] == location
    deadline = asyncio.get_running_loop().time() + within
    while True:
        polled = await admin.get(location)
        assert polled.status_code == 200, polled.text
        job: dict[str, Any] = polled.json()
        if job["state"] in ("done", "failed"):
            return job
        assert int(polled.headers["retry-after"]) >= 1
        assert asyncio.get_running_loop().time() < deadline, f"export job still {job['state']}"
        await asyncio.sleep(0.2)


async def export_council(admin: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    """The council's finished export record (its job must end done)."""
    job = await finished_export_job(admin, slug)
    assert job["state"] == "done", job
    export: dict[str, Any] = job["export"]
    assert job["download_url"] == export["download_url"]
    return export
