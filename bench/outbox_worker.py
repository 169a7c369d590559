"""The job worker `bench outbox` runs in a process of its own, its one subscriber posting each event as
JSON to the local receiver with httpx (as a webhook would be).

    .venv/bin/python -m bench.outbox_worker DATABASE_URL RECEIVER_URL
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.notifications.events import OutboxEvent
from civicshare.settings import load_settings
from civicshare.worker import run_job_worker


class PostingSubscriber:
    name = "bench-receiver"

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.AsyncClient(
            timeout=10, limits=httpx.Limits(max_connections=16, max_keepalive_connections=16)
        )

    async def handle(self, event: OutboxEvent) -> None:
        body = {"id": event.stable_id, "kind": event.kind.value, "reference": event.reference, "data": event.data}
        (await self.client.post(self.url, json=body)).raise_for_status()


async def main(database_url: str, receiver_url: str) -> None:
    settings = load_settings(database_url=database_url, log_level="WARNING")
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    services.event_subscribers[:] = [PostingSubscriber(receiver_url)]  # the queue alone, without email or webhooks
    await run_job_worker(services)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
