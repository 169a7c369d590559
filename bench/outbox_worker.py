"""The job worker `bench outbox` runs in a process of its own, with the platform's real webhook subscriber
(signed with Standard Webhooks, every attempt logged) as its only subscriber.

    .venv/bin/python -m bench.outbox_worker DATABASE_URL [--deliveries-only]

`bench outbox` starts one as `civicshare worker --processes N` does: the first runs the relay, the sweep
and dispatch jobs, the other N-1 (`--deliveries-only`) dispatch jobs alone.

With BENCH_OUTBOX_PROFILE=FILE in the environment (`python -m bench outbox` passes it on), the worker's
CPU profile (cProfile) is written to FILE when it stops: `python -m pstats FILE`.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import sys

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from civicshare.settings import Settings, load_settings

BENCH_SECRET_KEY = "bench-outbox-secret-key-of-forty-characters"


def bench_settings(database_url: str) -> Settings:
    """What the bench and its worker share: the key that seals endpoints' secrets, loopback allowed."""
    return load_settings(
        database_url=database_url,
        log_level="WARNING",
        secret_key=BENCH_SECRET_KEY,
        webhook_allow_private_targets=True,
    )


async def main(database_url: str, deliveries_only: bool) -> None:
    from civicshare.worker import freeze_start_up, run_job_worker

    settings = bench_settings(database_url)
    services = build_services(settings, Database(make_engine(database_url, pool_size=8), database_url))
    services.event_subscribers[:] = [
        WebhookSubscriber.for_platform(settings, services.database.engine, services.directory)
    ]  # webhooks alone: no email is sent in this bench
    freeze_start_up()  # as `civicshare worker` does
    await run_job_worker(services, deliveries_only=deliveries_only)


if __name__ == "__main__":
    arguments = (sys.argv[1], "--deliveries-only" in sys.argv[2:])
    profile_to = os.environ.get("BENCH_OUTBOX_PROFILE")
    if profile_to and not arguments[1]:
        with cProfile.Profile() as profile:
            asyncio.run(main(*arguments))
        profile.dump_stats(profile_to)
    else:
        asyncio.run(main(*arguments))
