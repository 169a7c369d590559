"""A sandbox payment belongs to the council whose request it pays: its page is found only on that
council's own address, and anywhere else (another council, the platform's own host) there is no such page."""

from __future__ import annotations

import httpx

from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import host_for

from .test_submissions import post


async def test_a_sandbox_payment_page_is_not_found_on_another_councils_host(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug, other = councils.overriding.slug, councils.outsider.slug
    body = (
        await post(
            http, slug, "garden-waste-subscription", answers_for("garden-waste-subscription", councils.overriding)
        )
    ).json()
    next_url = body["payment"]["next_url"]

    own = await http.get(next_url, headers=host_for(slug))
    assert own.status_code == 200 and body["reference"] in own.text
    token = own.text.split('name="csrf_token" value="')[1].split('"')[0]
    cookie = {"Cookie": f"civicshare_csrf={own.cookies['civicshare_csrf']}"}

    for where, url in (
        (host_for(other), next_url),
        ({}, f"/t/{other}{next_url}"),
        ({}, next_url),  # the platform's own address
    ):
        page = await http.get(url, headers={**where, **cookie})
        assert page.status_code == 404, (where, url, page.text)
        assert body["reference"] not in page.text
        form = {"outcome": "success", "csrf_token": token}
        chosen = await http.post(url, data=form, headers={**where, **cookie})
        assert chosen.status_code in (403, 404), (where, url, chosen.text)

    tracked = await http.get(
        f"/api/v1/transactions/{body['reference']}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["payment"]["status"] == "created"
