"""The queue's count of a full page may be remembered for `CIVICSHARE_QUEUE_COUNT_LAG_SECONDS` (the suite
runs with 0): the page's requests are read as they are now every time, a page that is not full counts its
matches exactly, each council's count is its own, and with no lag every page is counted."""

from __future__ import annotations

import time

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.staff import pages, queue
from tests.auth.conftest import CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of
from tests.support import ServedPlatform, host_for


async def _shown(http: httpx.AsyncClient, officer: dict[str, str], page: int = 1) -> str:
    answer = await http.get("/staff/requests", params={"page": str(page)}, headers=officer)
    assert answer.status_code == 200, answer.text
    return text_of(answer.text)


async def test_a_full_pages_count_is_remembered_for_the_lag_and_a_last_page_counted_exactly(
    http: httpx.AsyncClient,
    served: ServedPlatform,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(served.services.settings, "queue_count_lag_seconds", 600.0)
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    slug, other = await council(**HIGHWAYS), await council(**HIGHWAYS)
    for number in range(5):
        await report_pothole(http, slug, f"resident-{number}@example.org")
    for number in range(3):
        await report_pothole(http, other, f"neighbour-{number}@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    neighbour = {**host_for(other), **BROWSER, **cookie_header(await officer_of(http, dev_identity, other))}

    assert "Showing 1 to 2 of 5 requests" in await _shown(http, officer)
    assert "Showing 1 to 2 of 3 requests" in await _shown(http, neighbour), "each council's count is its own"

    for number in range(2):
        await report_pothole(http, slug, f"later-{number}@example.org")
    assert "Showing 1 to 2 of 5 requests" in await _shown(http, officer), "the count remembered"
    last = await _shown(http, officer, page=4)
    assert "Showing 7 to 7 of 7 requests" in last, "a page not full is the last: counted exactly"

    later = time.monotonic() + 601
    monkeypatch.setattr(queue, "monotonic", lambda: later)
    assert "Showing 1 to 2 of 7 requests" in await _shown(http, officer), "counted again past the lag"

    monkeypatch.setattr(served.services.settings, "queue_count_lag_seconds", 0.0)
    await report_pothole(http, slug, "one-more@example.org")
    assert "Showing 1 to 2 of 8 requests" in await _shown(http, officer), "with no lag, every page counted"
