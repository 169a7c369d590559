"""Two app nodes on one database and one S3-compatible store: whatever a node keeps, the other serves.
A resident starts a report with a photo on one node and sends it from the other; staff open the photo
there; an export made by the worker is downloaded from either node. Nothing lands on a node's disk."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import uuid
import zipfile

import httpx
from PIL import Image

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.storage import Area, CouncilFiles, file_store
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.support import ServedPlatform, host_for, photo_png, tenant_context_for

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVICE = "/services/report-pothole"


async def _step(client: httpx.AsyncClient, node: ServedPlatform, slug: str, step: str, **fields: object) -> None:
    headers = host_for(slug) | BROWSER
    page = await client.get(f"{node.url}{SERVICE}/{step}", headers=headers)
    token = TOKEN.search(page.text)
    assert page.status_code == 200 and token, page.text
    files = fields.pop("files", None)
    answered = await client.post(
        f"{node.url}{SERVICE}/{step}",
        data={**fields, "csrf_token": token[1]},
        files=files,  # type: ignore[arg-type]
        headers=headers,
    )
    assert answered.status_code == 303, answered.text


async def test_a_photo_kept_by_one_node_is_sent_and_opened_on_the_other(
    node_a: ServedPlatform,
    node_b: ServedPlatform,
    browser_client: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    settings: Settings,
    on_s3: Settings,
) -> None:
    slug = await council(**HIGHWAYS)
    photo = photo_png(colour=(200, 120, uuid.uuid4().bytes[0]))
    # The form and its photo on node A; the photo waits with the draft in the shared store
    await _step(browser_client, node_a, slug, "location", location_description="Outside the library")
    await _step(browser_client, node_a, slug, "details", size="large", on="road")
    await _step(browser_client, node_a, slug, "photos", files={"photos": ("by the kerb.png", photo, "image/png")})
    # ...the rest, and sending it, on node B (a load balancer may send each request anywhere)
    await _step(browser_client, node_b, slug, "contact", email="ada@example.org")
    await _step(browser_client, node_b, slug, "check")
    confirmation = await browser_client.get(f"{node_b.url}{SERVICE}/confirmation", headers=host_for(slug) | BROWSER)
    reference = re.search(r"[A-Z]{2,5}-\d{4}-\d+", confirmation.text)
    assert reference, confirmation.text

    officer = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    async with httpx.AsyncClient(base_url=node_a.url, timeout=30) as staff_on_a:
        seen = await staff_on_a.get(f"/api/v1/staff/transactions/{reference[0]}", headers=bearer(officer, slug))
    [listed] = seen.json()["attachments"]
    assert listed["filename"] == "by the kerb.png"
    async with httpx.AsyncClient(base_url=node_b.url, timeout=30) as staff_on_b:
        opened = await staff_on_b.get(listed["href"], headers=bearer(officer, slug))
    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"] == "image/png" and len(opened.content) == listed["size_bytes"]
    assert Image.open(io.BytesIO(opened.content)).size == (32, 24)

    schema = (await tenant_context_for(database, slug)).schema
    in_bucket = CouncilFiles(file_store(on_s3), Area.ATTACHMENTS, schema)
    [kept] = await in_bucket.list()  # the council's only file: stored before the request was sent, named by its row
    assert kept.key.endswith(f"{hashlib.sha256(opened.content).hexdigest()}.png")
    assert not (settings.data_dir / "attachments" / schema).exists()  # no node's disk holds it
    assert not (settings.data_dir / "pending-photos" / schema).exists()
    assert await CouncilFiles(file_store(on_s3), Area.PENDING_PHOTOS, schema).list() == []  # handed over


async def test_an_export_the_worker_made_downloads_from_either_node(
    node_a: ServedPlatform,
    node_b: ServedPlatform,
    council: CouncilWithOrganization,
    database: Database,
    settings: Settings,
    s3_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    key = {"Authorization": f"Bearer {await make_key(database, 'full', name='storage operator')}"}
    async with (
        httpx.AsyncClient(base_url=node_a.url, timeout=60, headers=key) as on_a,
        httpx.AsyncClient(base_url=node_b.url, timeout=60, headers=key) as on_b,
    ):
        started = await on_a.post(f"/admin/v1/councils/{slug}/exports")
        assert started.status_code == 202, started.text
        job = started.json()
        for _ in range(300):
            job = (await on_b.get(started.headers["location"])).json()
            if job["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.1)
        assert job["state"] == "done", job
        from_b = await on_b.get(job["download_url"])
        from_a = await on_a.get(job["download_url"])
    assert from_b.status_code == 200 and from_b.headers["content-type"] == "application/zip"
    assert from_a.content == from_b.content
    assert hashlib.sha256(from_b.content).hexdigest() == job["export"]["sha256"]
    assert json.loads(zipfile.ZipFile(io.BytesIO(from_b.content)).read("manifest.json"))["council"]["slug"] == slug
    assert not (settings.data_dir / "exports" / slug).exists()
