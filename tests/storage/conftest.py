"""A real S3-compatible server (moto's, in a thread on 127.0.0.1, started here and never assumed running)
and the platform served by two app nodes that keep their files in it, on the test run's database."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import SecretStr

from civicshare.db.engine import Database
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from tests.auth.conftest import council, dev_identity
from tests.support import ServedPlatform, long_work_worker

__all__ = ["council", "dev_identity"]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def new_bucket(endpoint: str) -> str:
    name = f"civicshare-{uuid.uuid4().hex[:12]}"
    created = httpx.put(f"{endpoint}/{name}")  # moto's server takes an unsigned CreateBucket
    assert created.status_code == 200, created.text
    return name


def storing_at(settings: Settings, endpoint: str, bucket: str) -> Settings:
    """The test settings with files kept in `bucket` of the S3-compatible server at `endpoint`."""
    return settings.model_copy(
        update={
            "storage_url": f"s3://{bucket}?endpoint_url={endpoint}&region=eu-west-2",
            "storage_access_key_id": "civicshare-tests",
            "storage_secret_access_key": SecretStr("civicshare-tests"),
        }
    )


def closed_port() -> int:
    """A loopback port nothing listens on: a file store that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def on_s3(settings: Settings, s3_endpoint: str) -> Settings:
    return storing_at(settings, s3_endpoint, new_bucket(s3_endpoint))


@pytest.fixture(scope="session")
def node_a(on_s3: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    node = ServedPlatform(on_s3, database_url)
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def node_b(on_s3: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    node = ServedPlatform(on_s3, database_url)
    node.start()
    yield node
    node.stop()


@pytest.fixture
async def s3_worker(on_s3: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """A job worker's exports side keeping files in the same bucket, in the test's loop."""
    async with long_work_worker(on_s3, database_url) as services:
        yield services


@pytest.fixture
async def browser_client() -> AsyncIterator[httpx.AsyncClient]:
    """One browser: its cookies go with it from one node to the other (both on 127.0.0.1)."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
