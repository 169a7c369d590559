"""Residents, officers and operators for the personal data stories: councils with every module's
services from the dev identity's fixtures, a job worker in the test's loop, and helpers that send
requests, photos and decisions through HTTP as residents and officers do."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from civicshare.admin.keys import create_key
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.policy.operators import OperatorScope
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.transactions.tables import transactions
from tests.auth.conftest import council, dev_identity
from tests.support import ServedPlatform, host_for, long_work_worker, photo_png, tenant_context_for

__all__ = ["council", "dev_identity"]

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
PNG = photo_png()


@pytest.fixture(scope="session")
async def operator_key(database: Database) -> str:
    async with database.engine.begin() as connection:
        created = await create_key(
            connection, name="privacy operator", scope=OperatorScope.FULL, expires_at=None, created_by="tests"
        )
    return created.key


@pytest.fixture
async def operator(served: ServedPlatform, operator_key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=served.url, timeout=60, headers={"Authorization": f"Bearer {operator_key}"}
    ) as client:
        yield client


@pytest.fixture
async def job_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """The job worker's long work side (same data dir as the served platform) in the test's loop."""
    async with long_work_worker(settings, database_url) as services:
        yield services


async def resident(dev_identity: DevIdentity, name: str) -> tuple[str, str, str]:
    """A resident with an account: their email, subject id and a token."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
    subject = await dev_identity.add_resident(email, name)
    return email, subject, dev_identity.issue_token(email)


async def officer_token(dev_identity: DevIdentity, slug: str, role: Role = Role.COUNCIL_ADMIN) -> str:
    email = f"olive-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, email, role)
    return dev_identity.issue_token(email)


async def report_pothole(
    http: httpx.AsyncClient,
    slug: str,
    email: str,
    *,
    token: str | None = None,
    details: str = "Deep enough to break an ankle",
    photo: bytes | None = None,
) -> str:
    """A pothole reported through the resident API (as the account's owner with `token`), with a photo."""
    headers = host_for(slug) | ({"Authorization": f"Bearer {token}"} if token else {})
    sent = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {
                "latitude": "51.412345",
                "longitude": "-0.301234",
                "size": "large",
                "on": "road",
                "details": details,
            },
            "channel": "web",
            "contact_email": email,
        },
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    if photo is not None:
        uploaded = await http.post(
            f"/api/v1/transactions/{body['reference']}/attachments",
            files={"files": ("pothole.png", photo, "image/png")},
            headers=host_for(slug) | {"X-Upload-Token": body["upload"]["token"]},
        )
        assert uploaded.status_code == 201, uploaded.text
    return str(body["reference"])


async def decide(http: httpx.AsyncClient, slug: str, staff: str, reference: str, why: str) -> None:
    """An officer fixes the problem and tells the resident why."""
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "resolved", "reason": why, "reason_public": True},
        headers=host_for(slug) | {"Authorization": f"Bearer {staff}"},
    )
    assert moved.status_code == 200, moved.text


async def closed_ago(database: Database, slug: str, reference: str, days: int) -> None:
    """Time passes: the request closed `days` ago."""
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(
            update(transactions)
            .where(transactions.c.reference == reference)
            .values(closed_at=datetime.now(UTC) - timedelta(days=days))
        )


async def polled(client: httpx.AsyncClient, url: str, *, within: float = 30) -> dict[str, Any]:
    """Poll a job's resource as a client would until it is done or failed."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["state"] in ("done", "failed"):
            return body
        assert int(answer.headers["retry-after"]) >= 1
        assert asyncio.get_running_loop().time() < deadline, f"job still {body['state']}"
        await asyncio.sleep(0.2)
