"""The job worker: procrastinate's workers on the `outbox` queue (beside the outbox relay) and on the
`exports` queue (council exports, large CSV exports, subject access exports, account erasures, the
hourly tidy-up and each council's retention run), each with its own slots.

`civicshare worker` runs it as a process of its own; with `worker_in_process` each serving worker runs
one in its event loop (small deployments); `civicshare demo` starts one beside the web workers. A
worker that loses the database (PostgreSQL restarted) starts again after a pause.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from civicshare.admin.export_jobs import CONTEXT_KEY as EXPORTS_CONTEXT_KEY
from civicshare.admin.export_jobs import ExportParts, export_tasks
from civicshare.db.job_queue import EXPORTS_QUEUE
from civicshare.housekeeping import CONTEXT_KEY as HOUSEKEEPING_CONTEXT_KEY
from civicshare.housekeeping import housekeeping_tasks, keep_house
from civicshare.notifications.dispatcher import DispatchSettings
from civicshare.notifications.jobs import CONTEXT_KEY, QUEUE, OutboxParts, OutboxRelay, make_job_app
from civicshare.notifications.platform_subscribers import platform_subscribers
from civicshare.notifications.retries import RetryPolicy
from civicshare.privacy.jobs import CONTEXT_KEY as PRIVACY_CONTEXT_KEY
from civicshare.privacy.jobs import PrivacyParts, privacy_tasks
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.staff.queue_exports import CONTEXT_KEY as QUEUE_EXPORTS_CONTEXT_KEY
from civicshare.staff.queue_exports import queue_export_tasks

logger = logging.getLogger(__name__)
RESTART_PAUSE_SECONDS = 2.0


def register_platform_subscribers(services: PlatformServices) -> None:
    """The platform's own subscribers (email to residents, signed webhooks), built only where jobs run:
    a serving worker without jobs opens no mail provider or webhook HTTP client."""
    services.event_subscribers.extend(platform_subscribers(services))


def outbox_parts(services: PlatformServices) -> OutboxParts:
    settings: Settings = services.settings
    policy = RetryPolicy(
        base_seconds=settings.outbox_retry_base_seconds,
        cap_seconds=settings.outbox_retry_cap_seconds,
        max_attempts=settings.outbox_max_attempts,
    )
    return OutboxParts(
        engine=services.database.engine,
        directory=services.directory,
        subscribers=services.event_subscribers,
        dispatch=DispatchSettings(
            policy=policy,
            batch=settings.outbox_batch,
            at_once=settings.outbox_deliveries_at_once,
            lease_seconds=settings.outbox_lease_seconds,
            timeout_seconds=settings.outbox_delivery_timeout_seconds,
        ),
        sweep_seconds=settings.outbox_sweep_seconds,
    )


def privacy_parts(services: PlatformServices) -> PrivacyParts:
    return PrivacyParts(services.database.engine, services.registry, services.files, services.directory)


async def run_job_worker(
    services: PlatformServices,
    *,
    install_signal_handlers: bool = True,
    outbox: bool = True,
    deliveries_only: bool = False,
) -> None:
    """Run jobs until cancelled (or, with signal handlers, until SIGINT/SIGTERM); without `outbox`, only
    the exports queue's; with `deliveries_only`, only the outbox's dispatch jobs (no relay, no sweep, no
    exports, no housekeeping: the extra delivery processes of `civicshare worker --processes`)."""
    parts = outbox_parts(services)
    concurrency = services.settings.worker_concurrency
    run_once = _run_deliveries_once if deliveries_only else _run_once
    try:
        while True:
            try:
                await run_once(services, parts, concurrency, install_signal_handlers, outbox)
                return  # stopped by a signal
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job worker stopped; starting again in %s s", RESTART_PAUSE_SECONDS)
                await asyncio.sleep(RESTART_PAUSE_SECONDS)
    finally:
        await _close_subscribers(services)


async def _close_subscribers(services: PlatformServices) -> None:
    """Subscribers that keep connections open (the webhooks' HTTP client) let them go."""
    for subscriber in services.event_subscribers:
        close = getattr(subscriber, "aclose", None)
        if close is not None:
            await close()


async def _run_once(
    services: PlatformServices, parts: OutboxParts, concurrency: int, install_signal_handlers: bool, outbox: bool
) -> None:
    exports_at_once = services.settings.export_jobs_at_once
    app = make_job_app(services.database.session_url, max_connections=concurrency + exports_at_once + 2)
    app.add_tasks_from(export_tasks, namespace="")
    app.add_tasks_from(queue_export_tasks, namespace="")
    app.add_tasks_from(housekeeping_tasks, namespace="")
    app.add_tasks_from(privacy_tasks, namespace="")
    export_parts = ExportParts(services.database.engine, services.files, services.database)
    async with app.open_async():
        # Exports run on their own queue and slots: a long archive never holds up a delivery.
        exports = app.run_worker_async(
            queues=[EXPORTS_QUEUE],
            concurrency=exports_at_once,
            additional_context={
                EXPORTS_CONTEXT_KEY: export_parts,
                QUEUE_EXPORTS_CONTEXT_KEY: services,
                HOUSEKEEPING_CONTEXT_KEY: services,
                PRIVACY_CONTEXT_KEY: privacy_parts(services),
            },
            delete_jobs="successful",
            install_signal_handlers=install_signal_handlers and not outbox,
            shutdown_graceful_timeout=10,
        )
        watching = asyncio.create_task(keep_house(app, services))
        if not outbox:
            try:
                await exports
            finally:
                watching.cancel()
                await asyncio.gather(watching, return_exceptions=True)
            return
        exporting = asyncio.create_task(exports)
        relay = asyncio.create_task(
            OutboxRelay(app, parts, services.database.session_url, services.settings.outbox_listen_urls).run()
        )
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                additional_context={CONTEXT_KEY: parts},
                delete_jobs="successful",
                install_signal_handlers=install_signal_handlers,
                shutdown_graceful_timeout=10,
            )
        finally:
            for task in (relay, exporting, watching):
                task.cancel()
            await asyncio.gather(relay, exporting, watching, return_exceptions=True)


async def _run_deliveries_once(
    services: PlatformServices, parts: OutboxParts, concurrency: int, install_signal_handlers: bool, _outbox: bool
) -> None:
    app = make_job_app(services.database.session_url, max_connections=concurrency + 2)
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            additional_context={CONTEXT_KEY: parts},
            delete_jobs="successful",
            install_signal_handlers=install_signal_handlers,
            shutdown_graceful_timeout=10,
        )


def freeze_start_up() -> None:
    """What start-up made (modules, settings, the registry) lives as long as the process: kept out of the
    collector's full passes, which went through all of it while deliveries made garbage (a quarter of
    the worker's CPU per delivery)."""
    gc.collect()
    gc.freeze()


def run_job_worker_command(*, processes: int = 1, deliveries_only: bool = False) -> None:
    """`civicshare worker`, and the job worker process `civicshare demo` starts: settings from the
    environment, services as the app builds them, with the platform's own subscribers; with `processes`
    above 1, that many less one delivery processes beside it (`civicshare.delivery_processes`)."""
    from civicshare.app import build_services
    from civicshare.delivery_processes import DeliveryProcesses
    from civicshare.observability.logs import configure_logging, wants_json
    from civicshare.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, json_lines=wants_json(settings.log_format.value))

    async def run() -> None:
        services = build_services(settings)
        register_platform_subscribers(services)
        freeze_start_up()
        try:
            await run_job_worker(services, deliveries_only=deliveries_only)
        finally:
            await services.database.dispose()

    beside = DeliveryProcesses(processes - 1)
    beside.start()
    try:
        asyncio.run(run())
    finally:
        beside.stop()
