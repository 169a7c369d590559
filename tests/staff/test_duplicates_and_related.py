"""An officer sees the other reports of the same pothole on a request's page and closes the repeat as a
duplicate: its resident is pointed to the first report."""

from __future__ import annotations

import httpx

from civicshare.identity.dev_identity import DevIdentity
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.support import host_for

from .test_back_office_pages import BROWSER, HIGHWAYS, officer_of, report_pothole, text_of


async def test_a_repeat_report_of_the_same_pothole_is_closed_as_a_duplicate(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug, other = await council(**HIGHWAYS), await council(**HIGHWAYS)
    first = await report_pothole(http, slug, "grace@example.org")
    repeat = await report_pothole(http, slug, "ravi@example.org")  # the same spot, someone else
    elsewhere = await report_pothole(http, other, "ravi@example.org")
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    page = await http.get(f"/staff/requests/{repeat}", headers=officer)
    related = text_of(page.text.split("Related requests", 1)[1])
    assert first in related and elsewhere not in related
    token = CSRF_INPUT.search(page.text)
    assert token is not None

    itself = await http.post(
        f"/staff/requests/{repeat}/duplicate", data={"original": repeat, "csrf_token": token[1]}, headers=officer
    )
    assert itself.status_code == 400 and "not this one" in itself.text
    other_councils = await http.post(
        f"/staff/requests/{repeat}/duplicate", data={"original": elsewhere, "csrf_token": token[1]}, headers=officer
    )
    assert other_councils.status_code == 400 and "has no request" in other_councils.text

    closed = await http.post(
        f"/staff/requests/{repeat}/duplicate", data={"original": first.lower(), "csrf_token": token[1]}, headers=officer
    )
    assert closed.status_code == 303
    after = text_of((await http.get(closed.headers["location"], headers=officer)).text)
    assert f"A duplicate of {first}" in after
    tracked = await http.get(
        f"/api/v1/transactions/{repeat}", params={"email": "ravi@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["status"] == "rejected"
    assert first in tracked.json()["decision"]["reason"]
