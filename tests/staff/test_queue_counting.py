"""A council's queue counts its requests only so far: past that it says "more than", honestly, and offers
the next page but no last page it has not counted to."""

from __future__ import annotations

import re

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.staff import pages, queue
from tests.auth.conftest import CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of
from tests.support import host_for


def page_links(html: str) -> list[str]:
    return re.findall(r'aria-label="Page (\d+)"', html)


async def test_a_long_queue_is_counted_so_far_and_its_last_page_exactly(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Five open potholes, two to a page, counted to three at most (10,000 and 25 in the platform)."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    monkeypatch.setattr(queue, "COUNTED_AT_MOST", 3)
    slug = await council(**HIGHWAYS)
    for number in range(5):
        await report_pothole(http, slug, f"resident-{number}@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    first = await http.get("/staff/requests", headers=officer)
    assert first.status_code == 200
    assert "Showing 1 to 2 of more than 3 requests" in text_of(first.text)
    assert page_links(first.text) == ["1", "2"]  # no last page: it was not counted to
    assert 'rel="next"' in first.text

    second = await http.get("/staff/requests", params={"page": "2"}, headers=officer)
    assert "Showing 3 to 4 of more than 4 requests" in text_of(second.text)  # counted past its own page
    assert page_links(second.text) == ["1", "2", "3"] and 'rel="next"' in second.text

    last = await http.get("/staff/requests", params={"page": "3"}, headers=officer)
    assert "Showing 5 to 5 of 5 requests" in text_of(last.text)
    assert page_links(last.text) == ["1", "2", "3"] and 'rel="next"' not in last.text

    everything = await http.get("/staff/requests", params={"state": "all"}, headers=officer)
    assert "Showing 1 to 2 of more than 3 requests" in text_of(everything.text)


async def test_a_page_or_team_number_in_other_digits_opens_the_first_page(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    """'²' is a digit to Python's isdigit but not a number to int(): a typed or altered address is no server error."""
    slug = await council(**HIGHWAYS)
    await report_pothole(http, slug, "resident@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    for odd in ("²", "٣", "1²", "\u00b9\u00b2"):
        answer = await http.get("/staff/requests", params={"page": odd}, headers=officer)
        assert answer.status_code == 200, odd
        assert "Showing 1 to 1 of 1 request" in text_of(answer.text)
        assert (await http.get("/staff/requests", params={"team": odd}, headers=officer)).status_code == 200
