"""The app factory: builds the platform's services and wires the interfaces together."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp

from civicshare import __version__
from civicshare.admin.operator_tokens import OperatorTokenVerifier
from civicshare.admin.operators import OperatorAuthenticator
from civicshare.admin.routes import admin_router
from civicshare.api import addresses as resident_addresses
from civicshare.api import identity as identity_routes
from civicshare.api import nearby as resident_nearby
from civicshare.api.access import enforce_access
from civicshare.api.authentication import (
    PersonAuthenticator,
    provide_council_admin,
    provide_operator,
    provide_principal,
    provide_resident_principal,
    provide_signed_in,
    provide_staff,
)
from civicshare.api.catalogue import list_services, service_definition
from civicshare.api.csrf import (
    before_send_cookies,
    provide_csrf_checked,
    provide_csrf_token,
    refuse_cross_site_cookie_writes,
)
from civicshare.api.dependencies import (
    provide_maybe_tenant,
    provide_offerings,
    provide_services,
    provide_tenant,
    provide_tenant_db,
)
from civicshare.api.direct_submit import DirectSubmissions
from civicshare.api.errors import EXCEPTION_HANDLERS
from civicshare.api.failed_deliveries import STAFF_DELIVERY_ROUTES
from civicshare.api.inputs import check_inputs
from civicshare.api.openapi import documented_render_plugins
from civicshare.api.transactions import (
    payment_return,
    restart_payment,
    submit_transaction,
    track_transaction,
    upload_attachments,
)
from civicshare.councils.routes import council
from civicshare.db.engine import Database, open_database
from civicshare.db.listening import listen_forever
from civicshare.db.metadata import tenant_metadata
from civicshare.db.migrations.runner import tenant_script_digest
from civicshare.edge.headers import SecurityHeaders
from civicshare.edge.proxies import TrustedProxies
from civicshare.health.routes import healthz, readyz
from civicshare.http.dependency_batches import resolve_dependencies_in_turn
from civicshare.http.heavy_lane import STATE_KEY as HEAVY_LANE_STATE_KEY
from civicshare.http.heavy_lane import HeavyLane
from civicshare.identity.provider import IdentityNotConfigured, build_identity
from civicshare.integrations.open311.key_routes import OPEN311_CLIENT_ROUTES
from civicshare.integrations.open311.routes import (
    georeport_under_open311,
    open311_router,
    resolution_error_in_georeport,
)
from civicshare.integrations.open311.service import GEOREPORT_ERRORS
from civicshare.integrations.system_api.access import SystemKeyAuthenticator
from civicshare.integrations.system_api.key_routes import KEY_ROUTES
from civicshare.integrations.system_api.routes import system_router
from civicshare.modules import ModuleRegistry, installed_core_version
from civicshare.observability.logs import configure_logging, wants_json
from civicshare.policy import AUTHENTICATORS_KEY, Credential
from civicshare.ratelimits.limits import STATE_KEY as RATE_LIMITS_STATE_KEY
from civicshare.services import PlatformServices
from civicshare.settings import Settings, load_settings
from civicshare.staff import email_api as staff_email_api
from civicshare.staff import webhook_routes
from civicshare.staff.measures_routes import measures_router
from civicshare.staff.routes import staff_router
from civicshare.staff.savings_routes import savings_router
from civicshare.staff.transaction_routes import STAFF_ROUTES
from civicshare.staff.visit import STATE_KEY as STAFF_STATE_KEY
from civicshare.staff.visit import StaffPages
from civicshare.tenancy.directory import DIRECTORY_CHANNEL, TenantDirectory
from civicshare.tenancy.resolution import HostRules, TenantResolver
from civicshare.transactions.reconciliation import reconcile_periodically
from civicshare.web.assets import NO_COMPRESSION
from civicshare.web.errors import ResolutionErrorPages, html_for_browsers
from civicshare.web.routes import web_router
from civicshare.web.site import STATE_KEY as WEB_STATE_KEY
from civicshare.web.site import WebSite

log = logging.getLogger(__name__)


@functools.cache
def discover_modules() -> ModuleRegistry:
    """The service modules installed with this deployment; broken plugins are logged and left out.

    Discovered once per process: a module's own tables are declared on the tenant metadata, which
    must happen only once.
    """
    registry = ModuleRegistry.discover(core_version=installed_core_version(), tenant_metadata=tenant_metadata)
    for problem in registry.problems:
        log.warning("plugin %s not loaded: %s", problem.name, problem.reason)
    return registry


def build_services(
    settings: Settings, database: Database | None = None, registry: ModuleRegistry | None = None
) -> PlatformServices:
    database = database or open_database(settings)
    directory = TenantDirectory(database.lookups, max_age_seconds=settings.tenant_cache_seconds)
    services = PlatformServices(
        settings=settings, database=database, directory=directory, registry=registry or discover_modules()
    )
    try:
        services.identity = build_identity(settings)
        services.lifecycle_hooks.append(services.identity.lifecycle_hook(settings))
        services.operator_verifiers = (OperatorTokenVerifier(services.identity.validator),)
    except IdentityNotConfigured as error:
        log.error("signing in is unavailable: %s", error)
    return services


RESIDENT_API = [
    list_services,
    service_definition,
    *resident_addresses.HANDLERS,
    *resident_nearby.HANDLERS,
    submit_transaction,
    track_transaction,
    payment_return,
    restart_payment,
    upload_attachments,
]


def _reconcile_payments_in_the_background(services: PlatformServices) -> asyncio.Task[None] | None:
    """Payments nobody came back from, settled with the provider every few minutes (no job queue yet).

    Every worker runs it: recording an answer is checked against the row, so two workers asking about
    the same payment record it once.
    """
    minutes = services.settings.payment_reconcile_minutes
    if not minutes:
        return None
    every = timedelta(minutes=minutes)
    return asyncio.create_task(
        reconcile_periodically(services.database.engine, services.registry, services.payments_for, every)
    )


def _jobs_in_process(services: PlatformServices) -> asyncio.Task[None] | None:
    """With `worker_in_process`, a job worker in this serving worker's event loop (small deployments)."""
    if not services.settings.worker_in_process:
        return None
    from civicshare.worker import register_platform_subscribers, run_job_worker

    register_platform_subscribers(services)
    return asyncio.create_task(run_job_worker(services, install_signal_handlers=False))


def _hear_council_changes(services: PlatformServices) -> asyncio.Task[None]:
    """Council directory and offering changes made anywhere (another node, the CLI, SQL) reach this worker
    at once; after a lost connection everything is read again, since announcements may have been missed."""
    return asyncio.create_task(
        listen_forever(
            services.database.session_url,
            DIRECTORY_CHANNEL,
            services.hear_directory_change,
            services.forget_councils,
            application_name="civicshare-directory",
        )
    )


async def before_every_request(request: Request[Any, Any, Any]) -> None:
    """Before any handler: a cookie-signed write must come from the platform's own pages, then what the
    request carries must be storable (`api.inputs`)."""
    await refuse_cross_site_cookie_writes(request)
    await check_inputs(request)


# How each kind of credential a route may declare is authenticated; what it may do is the policy's.
AUTHENTICATORS = {
    Credential.PERSON: PersonAuthenticator(),
    Credential.OPERATOR: OperatorAuthenticator(),
    Credential.SYSTEM_KEY: SystemKeyAuthenticator(),
}


def create_litestar(services: PlatformServices, web: WebSite | None = None) -> Litestar:
    web = web or WebSite(services)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The council schema script (some 50 ms to compile) ready before the first onboarding asks for it.
        tenant_script_digest()
        reconciling = _reconcile_payments_in_the_background(services)
        jobs = _jobs_in_process(services)
        listening = _hear_council_changes(services)
        try:
            yield
        finally:
            listening.cancel()
            with suppress(asyncio.CancelledError):
                await listening
            if jobs is not None:
                jobs.cancel()
                with suppress(asyncio.CancelledError):
                    await jobs
            if reconciling is not None:
                reconciling.cancel()
                with suppress(asyncio.CancelledError):
                    await reconciling
            await services.payment_accounts.aclose()
            await services.savings_reports.stop_refreshing()
            await services.database.dispose()

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            council,
            web_router,
            staff_router,
            *RESIDENT_API,
            *STAFF_ROUTES,
            *staff_email_api.HANDLERS,
            *STAFF_DELIVERY_ROUTES,
            *services.registry.route_handlers(),
            admin_router,
            *identity_routes.ROUTES,
            savings_router,
            measures_router,
            open311_router,
            system_router,
            *KEY_ROUTES,
            *OPEN311_CLIENT_ROUTES,
            *webhook_routes.HANDLERS,
        ],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "tenant": Provide(provide_tenant, sync_to_thread=False),
            "maybe_tenant": Provide(provide_maybe_tenant, sync_to_thread=False),
            "tenant_db": Provide(provide_tenant_db),
            "offerings": Provide(provide_offerings),
            "principal": Provide(provide_principal),
            "resident_principal": Provide(provide_resident_principal),
            # The person the app's guard admitted for the route's declared permission, by what to expect.
            "signed_in": Provide(provide_signed_in, sync_to_thread=False),
            "staff": Provide(provide_staff, sync_to_thread=False),
            "council_admin": Provide(provide_council_admin, sync_to_thread=False),
            "operator": Provide(provide_operator, sync_to_thread=False),
            "csrf_token": Provide(provide_csrf_token),
            "csrf_checked": Provide(provide_csrf_checked),
        },
        guards=[enforce_access],  # every route's declared permission (civicshare.policy)
        before_request=before_every_request,
        before_send=[before_send_cookies],
        exception_handlers=georeport_under_open311(html_for_browsers(EXCEPTION_HANDLERS)),  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=State(
            {
                "services": services,
                WEB_STATE_KEY: web,
                STAFF_STATE_KEY: StaffPages.over(web),
                RATE_LIMITS_STATE_KEY: services.rate_limits,
                HEAVY_LANE_STATE_KEY: HeavyLane(
                    services.settings.heavy_requests_at_once, services.settings.heavy_request_longest_wait_ms / 1000
                ),
                AUTHENTICATORS_KEY: AUTHENTICATORS,
            }
        ),
        openapi_config=OpenAPIConfig(
            title="civicshare",
            version=__version__,
            path="/api/schema",
            render_plugins=documented_render_plugins({open311_router.path + "/": GEOREPORT_ERRORS}),
        ),
        # Brotli where the browser takes it, else gzip; the built assets carry their own (web.assets).
        # Quality 4 with a 256 KB window: about half a millisecond for a page, within 10% of quality 11.
        compression_config=CompressionConfig(
            backend="brotli",
            brotli_quality=4,
            brotli_lgwin=18,
            brotli_gzip_fallback=True,
            minimum_size=1024,
            exclude_opt_key=NO_COMPRESSION,
        ),
        debug=False,
        logging_config=None,
    )
    resolve_dependencies_in_turn(app)
    return app


def create_app(
    settings: Settings | None = None, services: PlatformServices | None = None, *, direct_submissions: bool = True
) -> ASGIApp:
    """The ASGI application: security headers on every answer, the client and scheme behind trusted
    proxies, council resolution, then the Litestar app.

    With `direct_submissions` (the default) the submit route's POSTs are served ahead of Litestar
    (`civicshare.api.direct_submit`); without, Litestar serves every request, as the lane's
    tests compare.
    """
    settings = settings or (services.settings if services else load_settings())
    services = services or build_services(settings)
    rules = HostRules(
        base_domain=settings.base_domain,
        platform_hosts=frozenset({settings.base_domain, "127.0.0.1", "localhost", "[::1]", settings.host}),
    )
    web = WebSite(services)
    litestar = create_litestar(services, web)
    resolved = TenantResolver(
        DirectSubmissions(litestar) if direct_submissions else litestar,
        services.directory,
        rules,
        html_errors=ResolutionErrorPages(web),
        formatted_errors=resolution_error_in_georeport,
        shared_paths=("/assets/",),
    )
    return SecurityHeaders(TrustedProxies(resolved, settings.trusted_proxies, settings.proxy_header))


def serve_app() -> ASGIApp:
    """Entry point for uvicorn workers (`civicshare.app:serve_app`, factory mode)."""
    settings = load_settings()
    configure_logging(settings.log_level, wants_json(settings.log_format.value))
    app = create_app(settings)
    settle_heap()
    return app


# Collections less often than CPython's (700, 10, 10). A report worked out afresh allocates some hundred
# thousand objects, which at the defaults brought a full collection every five or six such requests, each
# a 40-50 ms pause for every request in flight on the worker (the savings dashboard's p95: 137 -> 87 ms).
# Nearly all of a request's objects are freed by reference counting; only cycles wait for the collector.
GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """After start-up: what is built by now lives as long as the worker (modules, templates, tables), so it
    is moved out of the garbage collector's sight (a full collection no longer rescans it, about 90 ms),
    and collections come less often (`GC_THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
