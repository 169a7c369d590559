"""A burst of residents at once never starves the platform of database connections."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from civicshare.settings import Settings
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import ServedPlatform, host_for


@pytest.fixture
def tight_platform(settings: Settings, database_url: str) -> Iterator[ServedPlatform]:
    """One request connection in all, and every council's offer reloaded on each request."""
    platform = ServedPlatform(settings.model_copy(update={"tenant_cache_seconds": 0}), database_url, pool_size=1)
    platform.start()
    yield platform
    platform.stop()


async def test_more_residents_than_connections_all_get_their_reference(
    tight_platform: ServedPlatform, councils: Councils
) -> None:
    council = councils.member
    body = {"answers": answers_for("report-streetlight", council), "channel": "web", "contact_email": "a@example.org"}
    async with httpx.AsyncClient(base_url=tight_platform.url, timeout=20) as client:

        async def one() -> httpx.Response:
            headers = {**host_for(council.slug), "Idempotency-Key": uuid.uuid4().hex}
            return await client.post("/api/v1/services/report-streetlight/transactions", json=body, headers=headers)

        responses = await asyncio.gather(*(one() for _ in range(12)))
    assert [response.status_code for response in responses] == [201] * 12
    assert len({response.json()["reference"] for response in responses}) == 12
