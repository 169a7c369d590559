"""A job worker that dies while writing a council's export (killed, out of memory) leaves no export
"running" for ever: once its heartbeat stops, the job is failed and the poll says why."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from civicshare.admin.export_jobs import export_tasks
from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.db.job_queue import EXPORTS_QUEUE
from civicshare.housekeeping import abandon_stalled_jobs
from civicshare.notifications.jobs import make_job_app
from civicshare.settings import Settings
from tests.admin.conftest import onboard


async def test_an_export_whose_worker_died_fails_and_says_ask_again(
    admin: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    slug = (await onboard(admin))["slug"]
    started = await admin.post(f"/admin/v1/councils/{slug}/exports")
    assert started.status_code == 202, started.text
    services = build_services(settings, Database(make_engine(database_url, pool_size=2), database_url))
    app = make_job_app(database_url)
    app.add_tasks_from(export_tasks, namespace="")
    try:
        async with app.open_async():
            # A worker takes the job (after any left waiting by earlier tests), then stops beating: its
            # process was killed.
            worker = await app.job_manager.register_worker()
            taken = await app.job_manager.fetch_job([EXPORTS_QUEUE], worker)
            while taken is not None and taken.task_kwargs["council"] != slug:
                taken = await app.job_manager.fetch_job([EXPORTS_QUEUE], worker)
            assert taken is not None
            async with services.database.engine.begin() as connection:
                await connection.execute(
                    text(
                        "UPDATE procrastinate.procrastinate_workers SET last_heartbeat = now() - interval '10 minutes' "
                        "WHERE id = :worker"
                    ),
                    {"worker": worker},
                )

            assert await abandon_stalled_jobs(app, services) >= 1
    finally:
        await services.database.dispose()

    job = (await admin.get(started.headers["location"])).json()
    assert job["state"] == "failed" and job["download_url"] is None
    assert job["error"] == "the job worker stopped while writing the archive; ask for the export again"
