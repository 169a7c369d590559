"""An officer downloads a filtered queue: a small one streams at once; one above the platform's limit is
prepared by the job worker and downloaded from "Your exports", by that officer of that council only."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicshare.casework.tables import staff_actions
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from tests.auth.conftest import CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole
from tests.staff.test_officers_day_in_a_browser import sign_in
from tests.support import ServedPlatform, host_for, long_work_worker, tenant_context_for
from tests.web.browsing import assert_accessible, visit

DOWNLOAD_LINK = re.compile(r'href="(/staff/exports/\d+/file)"')


@pytest.fixture
def stream_at_most_two(served: ServedPlatform) -> Iterator[None]:
    """The platform streams exports of two requests at most (10,000 in a deployment)."""
    settings = served.services.settings
    before = settings.queue_export_stream_max_rows
    settings.queue_export_stream_max_rows = 2
    yield
    settings.queue_export_stream_max_rows = before


@pytest.fixture
async def export_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """A job worker's exports side, in the test's event loop, writing under the platform's data dir."""
    async with long_work_worker(settings, database_url) as services:
        yield services


async def ready_download_link(http: httpx.AsyncClient, officer: dict[str, str], within: float = 30) -> str:
    """Check "Your exports" again, as the officer would, until the download link shows."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        page = await http.get("/staff/exports", headers=officer)
        assert page.status_code == 200
        found = DOWNLOAD_LINK.search(page.text)
        if found is not None:
            assert "Ready" in page.text
            return found[1]
        assert "Being prepared" in page.text and "Check again" in page.text
        assert asyncio.get_running_loop().time() < deadline, "the export was never ready"
        await asyncio.sleep(0.2)


async def test_a_large_export_is_prepared_by_a_job_and_downloaded_by_its_officer_only(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    stream_at_most_two: None,
    export_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    references = [await report_pothole(http, slug, f"resident{n}@example.org") for n in range(3)]
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    asked = await http.get("/staff/requests.csv", headers=officer)

    assert asked.status_code == 202 and asked.headers["content-type"].startswith("text/html")
    assert "Your export is being prepared" in asked.text and 'href="/staff/exports"' in asked.text
    link = await ready_download_link(http, officer)
    downloaded = await http.get(link, headers=officer)
    assert downloaded.status_code == 200 and downloaded.headers["content-type"].startswith("text/csv")
    assert "attachment" in downloaded.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(downloaded.text)))
    assert rows[0][:4] == ["reference", "service", "status", "due"]
    assert sorted(row[0] for row in rows[1:]) == sorted(references)
    assert {row[8] for row in rows[1:]} == {f"resident{n}@example.org" for n in range(3)}

    colleague = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    assert DOWNLOAD_LINK.search((await http.get("/staff/exports", headers=colleague)).text) is None
    assert (await http.get(link, headers=colleague)).status_code == 404
    elsewhere = await council(**HIGHWAYS)
    stranger = {**host_for(elsewhere), **BROWSER, **cookie_header(await officer_of(http, dev_identity, elsewhere))}
    assert (await http.get(link, headers=stranger)).status_code == 404
    assert (await http.get(link, headers={**host_for(slug), **BROWSER})).status_code in (303, 401)

    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        actions = list(
            (await connection.execute(select(staff_actions.c.action).order_by(staff_actions.c.id))).scalars()
        )
    assert actions[-2:] == ["exported", "export_downloaded"]


async def test_a_small_export_still_streams_at_once(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    stream_at_most_two: None,
) -> None:
    slug = await council(**HIGHWAYS)
    references = [await report_pothole(http, slug, f"resident{n}@example.org") for n in range(3)]
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    download = await http.get("/staff/requests.csv", params={"q": references[0]}, headers=officer)

    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    lines = download.text.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(references[0])
    assert "You have no exports yet" in (await http.get("/staff/exports", headers=officer)).text


@pytest.mark.browser
async def test_the_export_pages_pass_axe_and_work_without_javascript(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    stream_at_most_two: None,
) -> None:
    slug = await council(**HIGHWAYS)
    for n in range(3):
        await report_pothole(http, slug, f"resident{n}@example.org")
    name = f"esme{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_STAFF)
    base = f"http://{slug}.localhost:{served.port}"
    await sign_in(page, base, name)

    await visit(page, f"{base}/staff/requests")
    await page.get_by_role("link", name="Download these requests (CSV)").click()
    await page.wait_for_load_state()
    assert "Your export is being prepared" in await page.locator("h1").inner_text()
    await assert_accessible(page)
    await page.get_by_role("link", name="your exports").click()
    await page.wait_for_load_state()
    assert "Being prepared" in await page.locator("main").inner_text()
    await assert_accessible(page)
