"""A council with highways and waste services, its administrator, and system keys made as its
administrators make them (the staff API), for stories told over HTTP on the real database."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import bearer, council, dev_identity, staff_token
from tests.support import host_for

__all__ = ["council", "dev_identity"]

HIGHWAYS_AND_WASTE = {"modules": {"highways": {"enabled": True}, "waste": {"enabled": True}}}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Council:
    slug: str
    admin: dict[str, str]  # an administrator's bearer token, on the council's host


async def council_with_admin(council: Any, dev_identity: DevIdentity) -> Council:
    slug = await council(**HIGHWAYS_AND_WASTE)
    token = await staff_token(dev_identity, f"kit-{uuid.uuid4().hex[:6]}@example.org", slug, role=Role.COUNCIL_ADMIN)
    return Council(slug, bearer(token, slug))


async def new_key(http: httpx.AsyncClient, at: Council, name: str = "Highways CRM", **fields: Any) -> dict[str, Any]:
    """A key made by the council's administrator through the staff API: its secret and what is shown of it."""
    answer = await http.post(
        "/api/v1/staff/system-keys", json={"name": name, "scope": "write", **fields}, headers=at.admin
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def with_key(key: str, slug: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **host_for(slug), **headers}


async def report_pothole(http: httpx.AsyncClient, slug: str, email: str = "grace@example.org") -> str:
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {"latitude": "51.41", "longitude": "-0.30", "size": "large", "on": "road"},
            "channel": "web",
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def tracked(http: httpx.AsyncClient, slug: str, reference: str, email: str = "grace@example.org") -> Any:
    """What the resident sees when they track their request (the resident API)."""
    answer = await http.get(f"/api/v1/transactions/{reference}", params={"email": email}, headers=host_for(slug))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def tracking_page(http: httpx.AsyncClient, slug: str, reference: str, email: str = "grace@example.org") -> str:
    """The council website's tracking page, as the resident's browser gets it."""
    browser = {**host_for(slug), "Accept": "text/html"}
    form = await http.get("/track", headers=browser)
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    page = await http.post(
        "/track", data={"reference": reference, "email": email, "csrf_token": token[1]}, headers=browser
    )
    assert page.status_code == 200, page.text
    return page.text


async def changes_page(
    http: httpx.AsyncClient, crm: dict[str, str], params: dict[str, str | int] | dict[str, str], wanting: int = 1
) -> dict[str, Any]:
    """A page of the changes feed holding at least `wanting` items, asked again for up to 10 s: the feed
    lists a change only once every transaction that started before it has ended (systems/changes.py), so
    anything else running on the database (onboarding another council, a job) may hold it back a moment."""
    deadline = time.monotonic() + 10
    while True:
        answer = await http.get("/api/v1/system/requests", params=params, headers=crm)
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        if len(page["items"]) >= wanting or time.monotonic() > deadline:
            return page
        await asyncio.sleep(0.1)
