"""A system gone wrong (a sync loop calling as fast as it can) is slowed down on its own: past a burst
its key gets 429 with Retry-After, before any database work, and the council's other systems carry on."""

from __future__ import annotations

import asyncio

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.systems.rate import BURST, RATE_PER_SECOND, KeyRateLimiter

from .conftest import council_with_admin, new_key, with_key


async def test_a_flooding_key_is_slowed_down_and_others_are_not(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    at = await council_with_admin(council, dev_identity)
    calm = with_key((await new_key(http, at, "Waste CRM"))["key"], at.slug)
    looping = with_key("cs_sys_" + "f" * 12 + "x" * 43, at.slug)  # a key id nobody has: cheap to send
    answers = await asyncio.gather(
        *(http.get("/api/v1/system/requests", headers=looping) for _ in range(int(BURST * 5)))
    )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {401, 429}
    slowed = next(answer for answer in answers if answer.status_code == 429)
    assert int(slowed.headers["retry-after"]) >= 1
    assert slowed.json()["type"] == "urn:civicshare:problem:too-many-requests"
    assert (await http.get("/api/v1/system/requests", headers=calm)).status_code == 200


def test_the_bucket_refills_at_the_rate() -> None:
    limiter = KeyRateLimiter()
    assert all(limiter.wait_needed("k", now=100.0) == 0 for _ in range(int(BURST)))
    wait = limiter.wait_needed("k", now=100.0)
    assert wait == 1 / RATE_PER_SECOND
    assert limiter.wait_needed("k", now=100.0 + wait) == 0
    assert limiter.wait_needed("another", now=100.0) == 0
