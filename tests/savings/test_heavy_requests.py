"""One council's heavy request (a contact centre's years of counts in one CSV) never holds up another
council's pages: the heavy work runs beside the event loop, not on it."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

import civicshare.staff.savings_routes as savings_routes
from civicshare.savings.channels import Channel
from civicshare.savings.demo_data import DEMO_SERVICES
from civicshare.savings.offline_import import OfflineImport, parse_offline_contacts
from tests.savings.conftest import LiveCouncilFactory
from tests.support import host_for


def contact_centre_years(days: int) -> str:
    """A count for every day, service and channel (some 1.2 MB a year)."""
    lines = ["date,service,channel,count"]
    for offset in range(days):
        day = (date(2022, 1, 1) + timedelta(days=offset)).isoformat()
        lines += [
            f"{day},{service.flags.code},{channel.value},{offset % 97}"
            for service in DEMO_SERVICES
            for channel in Channel
        ]
    return "\n".join(lines) + "\n"


async def test_another_council_is_answered_while_a_big_file_is_still_being_read(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    importing, other = await live_council(), await live_council()
    reading, may_finish = threading.Event(), threading.Event()

    def slow_reading(text: str, **options: Any) -> OfflineImport:
        """Reads the file, then stays busy until the test has seen the other council answered."""
        parsed = parse_offline_contacts(text, **options)
        reading.set()
        may_finish.wait(timeout=30)
        return parsed

    monkeypatch.setattr(savings_routes, "parse_offline_contacts", slow_reading)
    big_file = contact_centre_years(days=366)
    upload = asyncio.create_task(
        http.post(
            "/api/v1/savings/offline-contacts",
            content=big_file,
            headers={**host_for(importing.slug), "content-type": "text/csv"},
        )
    )
    try:
        assert await asyncio.to_thread(reading.wait, 30)
        answered = await http.get("/api/v1/council", headers=host_for(other.slug), timeout=10)
        assert answered.status_code == 200
        assert not upload.done()  # the other council was answered while the file was still being read
    finally:
        may_finish.set()
    imported = await upload

    assert imported.status_code == 200, imported.text
    assert imported.json()["accepted"] == big_file.count("\n") - 1
