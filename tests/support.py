"""Helpers the tests share: councils made to order, the platform served over HTTP, council hosts."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import socket
import threading
import uuid
from collections.abc import AsyncIterator

import uvicorn

from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.identity.keycloak_server import KeycloakServer, find_repo_root
from civicshare.modules import ModuleRegistry
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.records import load_tenant_context
from civicshare.transactions.service import NewTransaction, create_transaction
from civicshare.worker import run_job_worker

# Each test run has a database of its own, so counting councils from a random start keeps their reference
# prefixes and GSS codes unique (five random letters each time collided about once a run in a hundred).
_councils_made = itertools.count(secrets.randbelow(26**5 // 2))


def council_definition(slug: str | None = None, **fields: object) -> TenantDefinition:
    slug = slug or f"test-{uuid.uuid4().hex[:8]}"
    number = next(_councils_made)
    digits = f"{number % 10**6:06d}"
    letters = "".join(chr(ord("A") + number // 26**place % 26) for place in range(5))
    data: dict[str, object] = {
        "slug": slug,
        "name": f"Test Council {slug}",
        "gss_code": f"E09{digits}",
        "reference_prefix": letters,
    }
    data.update(fields)
    return TenantDefinition.model_validate(data)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServedPlatform:
    """The whole platform served by uvicorn in a thread, reached over loopback HTTP."""

    def __init__(
        self, settings: Settings, database_url: str, registry: ModuleRegistry | None = None, *, pool_size: int = 5
    ) -> None:
        self.port = _free_port()
        services = build_services(
            settings, Database(make_engine(database_url, pool_size=pool_size), database_url), registry=registry
        )
        self.services = services  # tests may register fakes (e.g. a module catalogue) before requests
        config = uvicorn.Config(
            create_app(settings, services),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
            proxy_headers=False,  # as `civicshare serve` runs it: proxies are the platform's to trust or not
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return
            threading.Event().wait(0.05)
        raise RuntimeError("the platform did not start within 10 seconds")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def host_for(slug: str) -> dict[str, str]:
    """Headers that address a council by its own host name, as a browser at slug.localhost would."""
    return {"Host": f"{slug}.localhost"}


async def tenant_context_for(database: Database, slug: str) -> TenantContext:
    async with database.engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    assert tenant is not None, f"council {slug} was not onboarded"
    return tenant


async def record_transaction(
    database: Database, slug: str, email: str, service: str = "report-pothole", resident_subject: str | None = None
) -> str:
    """A transaction made the way a service module will make it; returns its reference."""
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        row = await create_transaction(
            connection,
            tenant,
            NewTransaction(
                module="highways",
                service=service,
                channel="web",
                status="received",
                answers={"description": f"pothole reported to {slug}"},
                contact_email=email,
                submitter_kind="resident" if resident_subject else "anonymous",
                resident_subject=resident_subject,
            ),
        )
    return str(row["reference"])


def photo_png(width: int = 32, height: int = 24, colour: tuple[int, int, int] = (120, 90, 60)) -> bytes:
    """A real (tiny) PNG photo, as a phone or camera would send one: the platform decodes photos."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def keycloak_for_tests() -> KeycloakServer:
    """The infra/keycloak server the tests share, in its own state dir (a developer's server is left alone)."""
    return KeycloakServer(state_dir=find_repo_root() / "var" / "keycloak-tests")


@contextlib.asynccontextmanager
async def long_work_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """A job worker's long work side (exports, privacy jobs; no outbox) running in the test's event loop."""
    services = build_services(settings, Database(make_engine(database_url, pool_size=4), database_url))
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False, outbox=False))
    await asyncio.sleep(0.5)
    try:
        yield services
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await services.database.dispose()
