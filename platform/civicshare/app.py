"""The app factory: builds the platform's services and wires the interfaces together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp

from civicshare import __version__
from civicshare.api.dependencies import (
    provide_maybe_tenant,
    provide_services,
    provide_tenant,
    provide_tenant_db,
)
from civicshare.api.errors import EXCEPTION_HANDLERS
from civicshare.councils.routes import council
from civicshare.db.engine import Database, open_database
from civicshare.health.routes import healthz, readyz
from civicshare.observability.logs import configure_logging
from civicshare.services import PlatformServices
from civicshare.settings import Settings, load_settings
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.resolution import HostRules, TenantResolver
from civicshare.transactions.routes import track_transaction
from civicshare.web.errors import ResolutionErrorPages, html_for_browsers
from civicshare.web.routes import web_router
from civicshare.web.site import STATE_KEY as WEB_STATE_KEY
from civicshare.web.site import WebSite

log = logging.getLogger(__name__)


def build_services(settings: Settings, database: Database | None = None) -> PlatformServices:
    database = database or open_database(settings)
    directory = TenantDirectory(database.engine, max_age_seconds=settings.tenant_cache_seconds)
    return PlatformServices(settings=settings, database=database, directory=directory)


def create_litestar(services: PlatformServices, web: WebSite | None = None) -> Litestar:
    web = web or WebSite(services)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.database.dispose()

    return Litestar(
        route_handlers=[healthz, readyz, council, track_transaction, web_router],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "tenant": Provide(provide_tenant, sync_to_thread=False),
            "maybe_tenant": Provide(provide_maybe_tenant, sync_to_thread=False),
            "tenant_db": Provide(provide_tenant_db),
        },
        exception_handlers=html_for_browsers(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=State({"services": services, WEB_STATE_KEY: web}),
        openapi_config=OpenAPIConfig(title="civicshare", version=__version__, path="/api/schema"),
        debug=False,
        logging_config=None,
    )


def create_app(settings: Settings | None = None, services: PlatformServices | None = None) -> ASGIApp:
    """The ASGI application: council resolution in front of the Litestar app."""
    settings = settings or (services.settings if services else load_settings())
    services = services or build_services(settings)
    rules = HostRules(
        base_domain=settings.base_domain,
        platform_hosts=frozenset({settings.base_domain, "127.0.0.1", "localhost", "[::1]", settings.host}),
    )
    web = WebSite(services)
    return TenantResolver(
        create_litestar(services, web),
        services.directory,
        rules,
        html_errors=ResolutionErrorPages(web),
        shared_paths=("/assets/",),
    )


def serve_app() -> ASGIApp:
    """Entry point for uvicorn workers (`civicshare.app:serve_app`, factory mode)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format.value == "json")
    return create_app(settings)
