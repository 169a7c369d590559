"""A job worker process for the crash test: `python -m tests.notifications.worker_process DATABASE_URL
RECEIVER_URL`, its settings from the environment, its one subscriber posting to the receiver."""

from __future__ import annotations

import asyncio
import sys

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.settings import load_settings
from civicshare.worker import run_job_worker
from tests.notifications.receiver import PostingSubscriber


async def main(database_url: str, receiver_url: str) -> None:
    settings = load_settings(database_url=database_url)
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    services.event_subscribers[:] = [PostingSubscriber(receiver_url)]  # the queue alone, without email or webhooks
    await run_job_worker(services)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
