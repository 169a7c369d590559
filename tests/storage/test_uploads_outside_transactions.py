"""Files are written to the store before the database transaction that records them: a slow store
holds no database connection (other residents are served meanwhile, even with a pool of one), and files
whose transaction does not commit are removed, so the store keeps only files some row names."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.settings import Settings
from civicshare.storage import OpenedFile, StoredObject
from civicshare.storage.local import LocalFileStore
from civicshare.transactions.tables import attachments, transactions
from tests.conftest import CouncilFactory
from tests.support import host_for, photo_png, tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
POTHOLE = {"latitude": "51.412345", "longitude": "-0.301234", "size": "large", "on": "road"}


class HeldStore:
    """The local-disk store, except that the first file written waits until the test lets it go: a store
    that is slow to answer."""

    def __init__(self, root: Path) -> None:
        self.disk = LocalFileStore(root)
        self.writing = asyncio.Event()  # the held write has started
        self.go_on = asyncio.Event()
        self._held = False

    def location(self, key: str) -> str:
        return self.disk.location(key)

    async def put(self, key: str, content: bytes) -> None:
        if not self._held:
            self._held = True
            self.writing.set()
            await self.go_on.wait()
        await self.disk.put(key, content)

    async def put_file(self, key: str, source: Path) -> None:
        await self.disk.put_file(key, source)

    async def read(self, key: str) -> bytes:
        return await self.disk.read(key)

    async def open(self, key: str) -> OpenedFile:
        return await self.disk.open(key)

    async def exists(self, key: str) -> bool:
        return await self.disk.exists(key)

    async def delete(self, key: str) -> None:
        await self.disk.delete(key)

    async def list(self, prefix: str) -> list[StoredObject]:
        return await self.disk.list(prefix)


@dataclass
class OnePooledConnection:
    client: httpx.AsyncClient
    store: HeldStore
    database: Database


@pytest.fixture
async def one_connection(settings: Settings, database_url: str, tmp_path: Path) -> AsyncIterator[OnePooledConnection]:
    database = Database(make_engine(database_url, pool_size=1), database_url)
    services = build_services(settings, database)
    store = services.files = HeldStore(tmp_path / "files")
    app: Any = create_app(settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as client:
        yield OnePooledConnection(client, store, database)
    store.go_on.set()
    await database.dispose()


async def _report(client: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    sent = await client.post(
        "/api/v1/services/report-pothole/transactions",
        json={"answers": POTHOLE, "channel": "app", "contact_email": "ada@example.org"},
        headers=host_for(slug),
    )
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


def _upload(client: httpx.AsyncClient, slug: str, sent: dict[str, Any], *photos: bytes) -> Any:
    upload = sent["upload"]
    files = [("files", (f"pothole-{number}.png", photo, "image/png")) for number, photo in enumerate(photos)]
    return client.post(upload["href"], files=files, headers=host_for(slug) | {"X-Upload-Token": upload["token"]})


def _photo() -> bytes:
    return photo_png(colour=(uuid.uuid4().bytes[0], 90, uuid.uuid4().bytes[1]))


async def test_a_slow_store_holds_no_connection_and_files_whose_rows_are_refused_are_removed(
    one_connection: OnePooledConnection, make_council: CouncilFactory
) -> None:
    client, store = one_connection.client, one_connection.store
    slug = (await make_council(**HIGHWAYS)).slug
    sent = await _report(client, slug)

    # The first upload (two photos) waits on the store, with the pool's only connection free.
    first = asyncio.create_task(_upload(client, slug, sent, _photo(), _photo()))
    await asyncio.wait_for(store.writing.wait(), 30)
    other = await asyncio.wait_for(_report(client, slug), 10)  # another resident is served meanwhile
    assert other["reference"] != sent["reference"]
    second = await asyncio.wait_for(_upload(client, slug, sent, _photo(), _photo()), 10)
    assert second.status_code == 201, second.text

    # Once the store answers, the first upload would pass the limit of three photos: refused, and its
    # files, already written, are removed.
    store.go_on.set()
    refused = await asyncio.wait_for(first, 30)
    assert refused.status_code == 422, refused.text
    assert "attachments" in refused.text

    council = await tenant_context_for(one_connection.database, slug)
    async with tenant_connection(one_connection.database.engine, council) as connection:
        named = set(
            await connection.scalars(
                select(attachments.c.storage_key)
                .join(transactions, transactions.c.id == attachments.c.transaction_id)
                .where(transactions.c.reference == sent["reference"])
            )
        )
    assert len(named) == 2
    kept = await store.list(f"attachments/{council.schema}/")
    assert {item.key.removeprefix(f"attachments/{council.schema}/") for item in kept} == named
