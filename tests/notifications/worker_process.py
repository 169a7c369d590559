"""A job worker process for the crash test: `python -m tests.notifications.worker_process DATABASE_URL`,
its settings from the environment and the platform's own subscribers, so the councils' registered
webhook endpoints receive signed webhooks as in a deployment."""

from __future__ import annotations

import asyncio
import sys

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.settings import load_settings
from civicshare.worker import register_platform_subscribers, run_job_worker


async def main(database_url: str) -> None:
    settings = load_settings(database_url=database_url)
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    register_platform_subscribers(services)
    await run_job_worker(services)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
