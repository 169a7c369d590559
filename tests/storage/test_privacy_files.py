"""Personal data in files kept in S3: a subject access export gathers the person's photos from the store
and downloads from either node; erasing a request's personal data deletes its photos from the store."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.storage import file_store
from civicshare.transactions.attachments import council_attachments
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization
from tests.privacy.conftest import HIGHWAYS, closed_ago, decide, officer_token, polled, report_pothole
from tests.support import ServedPlatform, photo_png, tenant_context_for


async def test_a_subject_access_export_holds_the_photos_kept_in_s3_and_downloads_from_either_node(
    node_a: ServedPlatform,
    node_b: ServedPlatform,
    council: CouncilWithOrganization,
    database: Database,
    s3_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    email = f"ada-{uuid.uuid4().hex[:6]}@example.org"
    key = {"Authorization": f"Bearer {await make_key(database, 'full', name='privacy operator')}"}
    async with (
        httpx.AsyncClient(base_url=node_a.url, timeout=60) as resident_on_a,
        httpx.AsyncClient(base_url=node_a.url, timeout=60, headers=key) as on_a,
        httpx.AsyncClient(base_url=node_b.url, timeout=60, headers=key) as on_b,
    ):
        reference = await report_pothole(resident_on_a, slug, email, photo=photo_png(colour=(200, 30, 30)))
        started = await on_a.post(f"/admin/v1/councils/{slug}/subject-access", json={"email": email})
        assert started.status_code == 202, started.text
        job = await polled(on_b, started.headers["location"])
        assert job["state"] == "done", job
        downloaded = await on_b.get(job["download_url"])
    assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(downloaded.content))
    [request] = json.loads(archive.read("person.json"))["requests"]
    assert request["reference"] == reference
    [photo] = request["photos"]
    assert archive.read(photo["file"]).startswith(b"\x89PNG")


async def test_erasing_a_request_deletes_its_photos_from_s3(
    node_a: ServedPlatform,
    node_b: ServedPlatform,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    on_s3: Settings,
    s3_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    staff = await officer_token(dev_identity, slug)
    key = {"Authorization": f"Bearer {await make_key(database, 'full', name='privacy operator')}"}
    photos = council_attachments(file_store(on_s3), await tenant_context_for(database, slug))
    async with (
        httpx.AsyncClient(base_url=node_a.url, timeout=60) as on_a,
        httpx.AsyncClient(base_url=node_b.url, timeout=60, headers=key) as operator_on_b,
    ):
        reference = await report_pothole(on_a, slug, "ben@example.org", photo=photo_png())
        await decide(on_a, slug, staff, reference, "Filled in")
        assert len(await photos.list(reference)) == 1
        await closed_ago(database, slug, reference, days=365 * 3)  # past every service's retention
        queued = await operator_on_b.post(f"/admin/v1/councils/{slug}/retention-runs")
        assert queued.status_code == 202, queued.text
        for _ in range(300):
            if not await photos.list(reference):
                break
            await asyncio.sleep(0.1)
    assert await photos.list(reference) == []
