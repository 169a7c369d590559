"""The file store out of reach (S3 down): every request that needs it gets a clear 503 (problem+json for
clients, the GOV.UK page for browsers), never a 500, and nothing is half recorded. A file is stored
before the row that names it, so a request never lists a photo that is not there; sending it again
once the store is back works."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress

import httpx
import pytest
from sqlalchemy import func, select

from civicshare.admin.tables import council_exports
from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.settings import Settings
from civicshare.transactions.tables import attachments, transactions
from civicshare.worker import run_job_worker
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.storage.conftest import closed_port, storing_at
from tests.support import ServedPlatform, host_for, photo_png, tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
POTHOLE = {"latitude": "51.412345", "longitude": "-0.301234", "size": "large", "on": "road"}


@pytest.fixture(scope="module")
def store_down(settings: Settings) -> Settings:
    return storing_at(settings, f"http://127.0.0.1:{closed_port()}", "civicshare-unreachable")


@pytest.fixture(scope="module")
def node_without_store(store_down: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    node = ServedPlatform(store_down, database_url)
    node.start()
    yield node
    node.stop()


async def test_a_photo_the_store_cannot_keep_is_refused_with_503_and_kept_when_sent_again(
    node_without_store: ServedPlatform,
    node_a: ServedPlatform,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
) -> None:
    slug = await council(**HIGHWAYS)
    photo = photo_png(colour=(10, 200, uuid.uuid4().bytes[0]))
    async with httpx.AsyncClient(base_url=node_without_store.url, timeout=30) as down:
        sent = await down.post(
            "/api/v1/services/report-pothole/transactions",
            json={"answers": POTHOLE, "channel": "app", "contact_email": "ada@example.org"},
            headers=host_for(slug),
        )
        assert sent.status_code == 201, sent.text  # a request without files needs no store
        reference, upload = sent.json()["reference"], sent.json()["upload"]
        refused = await down.post(
            upload["href"],
            files={"files": ("pothole.png", photo, "image/png")},
            headers=host_for(slug) | {"X-Upload-Token": upload["token"]},
        )
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:civicshare:problem:storage-unavailable"
    assert int(refused.headers["retry-after"]) > 0

    officer = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    async with httpx.AsyncClient(base_url=node_a.url, timeout=30) as working:
        seen = await working.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(officer, slug))
        assert seen.status_code == 200 and seen.json()["attachments"] == []  # no row naming a missing file
        again = await working.post(
            upload["href"],
            files={"files": ("pothole.png", photo, "image/png")},
            headers=host_for(slug) | {"X-Upload-Token": upload["token"]},
        )
        assert again.status_code == 201, again.text
        [listed] = (await working.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(officer, slug))).json()[
            "attachments"
        ]
        assert (await working.get(listed["href"], headers=bearer(officer, slug))).status_code == 200


async def test_a_resident_adding_a_photo_while_the_store_is_down_gets_the_unavailable_page(
    node_without_store: ServedPlatform, council: CouncilWithOrganization
) -> None:
    slug = await council(**HIGHWAYS)
    headers = host_for(slug) | BROWSER
    async with httpx.AsyncClient(base_url=node_without_store.url, timeout=30) as browser:
        form = await browser.get("/services/report-pothole/location", headers=headers)
        token = TOKEN.search(form.text)
        assert form.status_code == 200 and token, form.text
        photos_page = await browser.get("/services/report-pothole/photos", headers=headers)  # lists those waiting
        refused = await browser.post(
            "/services/report-pothole/photos",
            data={"csrf_token": token[1]},
            files={"photos": ("pothole.png", photo_png(), "image/png")},
            headers=headers,
        )
    for answer in (photos_page, refused):
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert "Sorry, the service is unavailable" in answer.text
        assert "Files cannot be kept or read just now" in answer.text


@asynccontextmanager
async def job_worker_with(settings: Settings, database_url: str) -> AsyncIterator[None]:
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False, outbox=False))
    try:
        yield
    finally:
        running.cancel()
        with suppress(asyncio.CancelledError):
            await running
        await services.database.dispose()


async def test_an_export_the_store_cannot_keep_fails_saying_why_and_is_not_recorded(
    node_without_store: ServedPlatform,
    council: CouncilWithOrganization,
    database: Database,
    database_url: str,
    store_down: Settings,
) -> None:
    slug = await council(**HIGHWAYS)
    key = {"Authorization": f"Bearer {await make_key(database, 'full', name='storage operator')}"}
    async with (
        job_worker_with(store_down, database_url),
        httpx.AsyncClient(base_url=node_without_store.url, timeout=60, headers=key) as operator,
    ):
        started = await operator.post(f"/admin/v1/councils/{slug}/exports")
        assert started.status_code == 202, started.text
        job = started.json()
        for _ in range(300):
            job = (await operator.get(started.headers["location"])).json()
            if job["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.1)
    assert job["state"] == "failed" and job["download_url"] is None, job
    assert "the archive could not be written" in job["error"] and "file store" in job["error"]
    async with database.engine.connect() as connection:
        recorded = await connection.scalar(
            select(func.count()).select_from(council_exports).where(council_exports.c.council == slug)
        )
    assert recorded == 0


async def test_a_request_whose_photos_cannot_be_stored_is_not_sent_and_goes_when_sent_again(
    node_a: ServedPlatform,
    node_without_store: ServedPlatform,
    browser_client: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
) -> None:
    slug = await council(**HIGHWAYS)
    headers = host_for(slug) | BROWSER

    async def answer(node: ServedPlatform, step: str, **fields: object) -> httpx.Response:
        page = await browser_client.get(f"{node.url}/services/report-pothole/location", headers=headers)
        token = TOKEN.search(page.text)
        assert token, page.text
        files = fields.pop("files", None)
        return await browser_client.post(
            f"{node.url}/services/report-pothole/{step}",
            data={**fields, "csrf_token": token[1]},
            files=files,  # type: ignore[arg-type]
            headers=headers,
        )

    await answer(node_a, "location", location_description="By the school gates")
    await answer(node_a, "details", size="large", on="road")
    await answer(node_a, "photos", files={"photos": ("gates.png", photo_png(), "image/png")})
    await answer(node_a, "contact", email="cy@example.org")

    # Sent through a node whose file store is out of reach: the photo cannot be kept, so nothing is sent
    refused = await answer(node_without_store, "check")
    assert refused.status_code == 503 and "Sorry, the service is unavailable" in refused.text
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        assert await connection.scalar(select(func.count()).select_from(transactions)) == 0

    # Sent again (the answers and the photo still wait): one request, with its photo
    sent = await answer(node_a, "check")
    assert sent.status_code == 303, sent.text
    async with tenant_connection(database.engine, tenant) as connection:
        assert await connection.scalar(select(func.count()).select_from(transactions)) == 1
        assert await connection.scalar(select(attachments.c.filename)) == "gates.png"
