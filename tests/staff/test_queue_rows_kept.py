"""The queue's rows are rendered once a node for the same values and kept (`StaffPages.rows`): a request
that changes shows as it is now on the next page, the rows beside it as they were, and each council's
officers see their own council's rows."""

from __future__ import annotations

import re

import httpx

from civicshare.identity.dev_identity import DevIdentity
from tests.auth.conftest import CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of
from tests.staff.test_response_templates import token_of
from tests.support import host_for


async def _rows(http: httpx.AsyncClient, officer: dict[str, str]) -> dict[str, str]:
    """The queue's rows by reference, each as its text."""
    page = await http.get("/staff/requests", headers=officer)
    assert page.status_code == 200, page.text
    body = page.text.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    return {re.search(r'value="([^"]+)"', row)[1]: text_of(row).strip() for row in rows}  # type: ignore[index]


async def test_a_changed_request_shows_as_it_is_now_and_each_council_its_own_rows(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug, other = await council(**HIGHWAYS), await council(**HIGHWAYS)
    changed = await report_pothole(http, slug, "grace@example.org")
    unchanged = await report_pothole(http, slug, "ada@example.org")
    neighbours = await report_pothole(http, other, "alan@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    neighbour = {**host_for(other), **BROWSER, **cookie_header(await officer_of(http, dev_identity, other))}

    before = await _rows(http, officer)
    assert set(before) == {changed, unchanged}
    assert await _rows(http, officer) == before, "the same rows again"
    assert set(await _rows(http, neighbour)) == {neighbours}

    token = token_of(await http.get(f"/staff/requests/{changed}", headers=officer))
    taken = await http.post(
        f"/staff/requests/{changed}/assignee", data={"assignee": "me", "csrf_token": token}, headers=officer
    )
    assert taken.status_code == 303
    started = await http.post(
        f"/staff/requests/{changed}/status", data={"status": "in_progress", "csrf_token": token}, headers=officer
    )
    assert started.status_code == 303

    after = await _rows(http, officer)
    assert "Received" in before[changed] and "olive-" not in before[changed]
    assert "In progress" in after[changed] and "Received" not in after[changed]
    assert "olive-" in after[changed], "its assignee: the officer"
    assert after[unchanged] == before[unchanged]
    assert set(await _rows(http, neighbour)) == {neighbours}
