"""Identity: Keycloak's start-up, and what token validation costs per request.

Measures (1) token validation in µs per token with a warm JWKS cache (RS256, 2048-bit key, the dev
identity's tokens, which have Keycloak's shape), and (2) a request served with vs without a bearer token
through the whole platform (uvicorn on loopback). (3) Keycloak's start time is taken from the running
test/dev server's record (`started_seconds`) when there is one; starting one here would cost 30-50 s.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from rich.table import Table

from bench.harness import BenchDatabase, Stopwatch
from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.keycloak_server import KeycloakServer, find_repo_root, free_port
from civicshare.identity.provider import dev_issuer
from civicshare.identity.tokens import JwksCache, TokenValidator
from civicshare.settings import Settings
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import onboard_tenant

VALIDATIONS = 2000
REQUESTS = 400


async def _validation_us(identity: DevIdentity) -> tuple[float, int]:
    cache = JwksCache(identity.fetch_jwks)
    validator = TokenValidator(issuer=identity.issuer, audience="civicshare", jwks=cache)
    token = identity.issue_token("rosa.resident@example.org")
    await validator.claims(token)  # warm the cache
    watch = Stopwatch()
    for _ in range(VALIDATIONS):
        await validator.principal(token)
    return watch.seconds / VALIDATIONS * 1e6, cache.fetches


async def _requests_ms(url: str, path: str, headers: dict[str, str]) -> float:
    samples = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for _ in range(20):
            await client.get(path, headers=headers)
        for _ in range(REQUESTS):
            began = time.perf_counter()
            answer = await client.get(path, headers=headers)
            samples.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text
    return statistics.median(samples) * 1000


def _keycloak_start() -> str:
    for name in ("keycloak-tests", "keycloak"):
        info = KeycloakServer(state_dir=find_repo_root() / "var" / name).status()
        if info is not None:
            return f"{info.started_seconds:.1f} s (var/{name}, last start)"
    return "not running (start: `civicshare keycloak up`, typically 25-50 s here)"


async def run_benchmark(database: BenchDatabase) -> Table:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=database.url, data_dir=Path(data_dir), tenant_cache_seconds=60)
        identity = DevIdentity(Path(data_dir) / "dev-identity", dev_issuer(settings))
        per_token_us, fetches = await _validation_us(identity)

        definition = TenantDefinition(
            slug="bench-identity", name="Bench Identity", gss_code="E09999998", reference_prefix="BID"
        )
        async with database.database.engine.begin() as connection:
            await onboard_tenant(connection, definition)
        port = free_port()
        served_settings = settings.model_copy(update={"port": port})
        # The server runs on its own event loop (thread), so it gets its own engine.
        services = build_services(served_settings, Database(make_engine(database.url, pool_size=4), database.url))
        server = uvicorn.Server(
            uvicorn.Config(create_app(served_settings, services), host="127.0.0.1", port=port, log_config=None)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:  # noqa: ASYNC110 - uvicorn runs in another thread
            await asyncio.sleep(0.05)
        try:
            url = f"http://127.0.0.1:{port}"
            assert services.identity is not None and services.identity.dev is not None
            token = services.identity.dev.issue_token("rosa.resident@example.org")
            tenant = {"X-Tenant": definition.slug}
            # Two equally thin handlers: /api/v1/council asks nobody's identity, /api/v1/me validates the token.
            anonymous = await _requests_ms(url, "/api/v1/council", tenant)
            with_token = await _requests_ms(url, "/api/v1/me", {**tenant, "Authorization": f"Bearer {token}"})
        finally:
            server.should_exit = True
            thread.join(timeout=10)

    table = Table("identity", "measured", title="identity: Keycloak start and token validation")
    table.add_row("Keycloak start (start-dev, ready for the realm)", _keycloak_start())
    table.add_row(f"token validation, warm JWKS ({VALIDATIONS} tokens)", f"{per_token_us:.0f} µs/token")
    table.add_row("JWKS fetches during those validations", str(fetches))
    table.add_row(f"request without a token (median of {REQUESTS})", f"{anonymous:.2f} ms")
    table.add_row("request with a bearer token, validated (median)", f"{with_token:.2f} ms")
    table.add_row("validation's share of a request", f"{with_token - anonymous:+.2f} ms")
    return table
