"""Every route of the built app says what it needs (`civicshare.policy`), and a route that does not is
refused to everyone. A new route without a declaration fails here, with how to declare it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar, get
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from civicshare.app import build_services, create_litestar
from civicshare.policy import OPT_KEY, PUBLIC, Access, Credential, Permission, access_of
from civicshare.policy.permissions import COUNCIL_PERMISSIONS, PLATFORM_PERMISSIONS
from civicshare.settings import Settings

HOW_TO_DECLARE = """\
These routes declare no permission, so the app refuses them to everyone (403). Declare each on its
handler, with the permission the route needs from `civicshare.policy.Permission` (the table of which
role holds which is `civicshare.policy.grants.GRANTS`):

    @get("/path", opt=requires(Permission.VIEW_REQUESTS))                          # staff API or pages
    @post("/path", opt=CHANGES)  # admin API: READS for GET, CHANGES otherwise (civicshare.admin.operators)
    @get("/path", opt=requires(Permission.VIEW_REQUESTS, by=Credential.SYSTEM_KEY))    # system API
    @get("/path", opt=PUBLIC)  # and add it to PUBLIC_ROUTES in this test

The handler then receives who was admitted through its usual dependency (`staff`, `council_admin`,
`signed_in`, `operator`, `staff_visit`, `system_key`), with no check of its own.
"""

# Routes anyone may use. Making a route public is a decision someone should see in review: add it here.
PUBLIC_ROUTES = {
    "GET /healthz", "GET /readyz", "GET /api/v1/council",
    # the resident site
    "GET /", "GET /search", "GET /track", "POST /track", "GET /my-requests", "GET /accessibility",
    "GET /my-requests/{council:str}/{reference:str}",
    "GET /cookies", "GET /privacy", "GET /branding/logo", "GET /assets/{name:str}",
    # a signed-in resident's own data (each page sends anyone else to sign in)
    "GET /account/your-data", "POST /account/your-data", "GET /account/your-data/{request_id:str}/file",
    "GET /account/delete", "POST /account/delete",
    "GET /services/{code:str}", "GET /services/{code:str}/{step_code:str}", "POST /services/{code:str}/{step_code:str}",
    "GET /contact", "GET /services/{code:str}/not-eligible/{rule_code:str}",
    "GET /services/{code:str}/payment-return/{reference:str}",
    "POST /services/{code:str}/payment-retry/{reference:str}",
    "POST /services/{code:str}/photos/{reference:str}",
    # the confirmation page's feedback question, and a council's service measures once it publishes them
    "POST /services/{code:str}/feedback/{reference:str}", "GET /open-data/service-measures.csv",
    "GET /services/{code:str}/photos", "POST /services/{code:str}/photos",
    "GET /track/photos/{reference:str}/{attachment_id:int}",
    "GET /services/{code:str}/handover",  # answers carried over from another council (places)
    "GET /boundary.geojson",  # the council's area, drawn on the location map
    "GET /streets.geojson",  # the council's streets, drawn on the location map where there are no tiles
    "GET /api/v1/addresses",  # addresses at a postcode in the council's area (places)
    # open reports near a pin, and following one instead of sending a duplicate (places.nearby)
    "GET /api/v1/services/{code:str}/nearby", "POST /api/v1/services/{code:str}/nearby/follow",
    "POST /services/{code:str}/follow", "GET /services/{code:str}/following", "GET /unfollow", "POST /unfollow",
    "GET /start/{code:str}", "POST /start/{code:str}",  # a front door: where is it? then the council responsible
    "GET /sandbox-payments/{payment_id:str}", "POST /sandbox-payments/{payment_id:str}",
    # the resident API (tracking needs the reference and email address; see civicshare.api.transactions)
    "GET /api/v1/services", "GET /api/v1/services/{code:str}", "POST /api/v1/services/{code:str}/transactions",
    "GET /api/v1/transactions/{reference:str}", "GET /api/v1/transactions/{reference:str}/payment-return",
    "POST /api/v1/transactions/{reference:str}/payment", "POST /api/v1/transactions/{reference:str}/attachments",
    # Open311 GeoReport v2 (its own api_key rules live in civicshare.integrations.open311)
    "GET /open311/v2/discovery.json", "GET /open311/v2/services.json", "GET /open311/v2/services/{name:str}",
    "GET /open311/v2/requests.json", "POST /open311/v2/requests.json", "GET /open311/v2/requests/{name:str}",
    "GET /open311/v2/discovery.xml", "GET /open311/v2/services.xml", "GET /open311/v2/requests.xml",
    "POST /open311/v2/requests.xml", "GET /open311/v2/tokens/{name:str}",
    "GET /open311/v2/servicerequestupdates.xml", "GET /open311/v2/servicerequestupdates.json",
    "POST /open311/v2/servicerequestupdates.xml", "POST /open311/v2/servicerequestupdates.json",
    # signing in, and the demo's dev identity and mail sink (development mode only: they check it themselves)
    "GET /auth/sign-in", "GET /auth/callback", "POST /auth/sign-out",
    "GET /dev-identity/sign-in", "POST /dev-identity/sign-in", "GET /dev-identity/jwks.json",
    "POST /dev-identity/token",
    "GET /dev-identity/authorize", "GET /dev-identity/complete", "GET /dev-identity/remember",
    "GET /dev-identity/end-session",
    "GET /demo-mail", "GET /demo-mail/{mail_id:str}", "GET /demo-mail/{mail_id:str}/html",
    # the APIs' own documentation
    "GET /admin/v1/schema", "GET /admin/v1/schema/openapi.json",
}  # fmt: skip


@pytest.fixture(scope="module")
def app(settings: Settings) -> Litestar:
    return create_litestar(build_services(settings))


def routes(app: Litestar) -> Iterator[tuple[str, HTTPRouteHandler]]:
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"{route.path}: the policy guards HTTP routes; declare this one too"
        for handler in route.route_handlers:
            if not handler.fn.__module__.startswith("litestar."):
                for method in sorted(handler.http_methods):
                    yield f"{method} {route.path}", handler


def test_every_route_declares_its_permission(app: Litestar) -> None:
    listing = [(route, access_of(handler), handler) for route, handler in routes(app)]
    undeclared = [
        f"  {route}  ({handler.fn.__module__}.{handler.handler_name})"
        for route, access, handler in listing
        if access is None
    ]
    assert not undeclared, HOW_TO_DECLARE + "\n" + "\n".join(undeclared)
    print(
        "\n".join(f"{route:90} {access}" for route, access, _ in sorted(listing, key=lambda row: row[0]))
    )  # -s shows the table
    # Declared on the handler itself, never inherited from a router, so a new handler cannot slip in.
    for _, handler in routes(app):
        for layer in handler.ownership_layers[:-1]:
            assert OPT_KEY not in (layer.opt or {}), f"{layer} declares a permission for all its routes"


# Dependencies that hand a handler whoever the guard admitted; a public route admits nobody.
ADMITTED = {"signed_in", "staff", "council_admin", "operator", "staff_visit", "system_key", "system_db"}


def test_public_routes_are_exactly_the_known_ones(app: Litestar) -> None:
    public = {route for route, handler in routes(app) if access_of(handler) == Access(Permission.PUBLIC)}
    for route, handler in routes(app):
        if route in public:
            asks = ADMITTED & set(inspect.signature(handler.fn).parameters)
            assert not asks, f"{route} is public but asks for {asks}, who only exist behind a permission"
    assert public - PUBLIC_ROUTES == set(), "new public routes: add them to PUBLIC_ROUTES if they are meant to be"
    assert PUBLIC_ROUTES - public == set(), "these are no longer public: take them out of PUBLIC_ROUTES"


def test_each_surface_takes_its_own_credential(app: Litestar) -> None:
    for route, handler in routes(app):
        access = access_of(handler)
        assert access is not None
        method, path = route.split(" ", 1)
        if access.permission is Permission.PUBLIC:
            continue
        if path.startswith("/admin/v1/") and path != "/admin/v1/operator":
            assert access.credential is Credential.OPERATOR, route
            wanted = Permission.VIEW_PLATFORM if method in {"GET", "HEAD"} else Permission.OPERATE_PLATFORM
            assert access.permission is wanted, f"{route}: a read-only key must not change anything"
        elif path.startswith("/api/v1/system/"):
            assert access.credential is Credential.SYSTEM_KEY, route
        else:
            assert access.credential is Credential.PERSON, route
        if path.startswith(("/staff", "/api/v1/staff", "/api/v1/savings", "/api/v1/webhooks", "/api/v1/system")):
            assert access.permission in COUNCIL_PERMISSIONS, f"{route} works at one council"
        if path.startswith(("/ops/", "/admin/")) or path == "/ops":
            assert access.permission in PLATFORM_PERMISSIONS, f"{route} is the platform's"


@get("/undeclared")
async def undeclared() -> str:
    return "nobody should read this"


@get("/declared-public", opt=PUBLIC)
async def declared_public() -> str:
    return "anyone reads this"


async def test_a_route_without_a_declaration_is_refused_to_everyone(settings: Settings) -> None:
    app = create_litestar(build_services(settings))
    app.register(undeclared)
    app.register(declared_public)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cast(Any, app)), base_url="http://test") as client:
        refused = await client.get("/undeclared")
        assert refused.status_code == 403
        assert "nobody should read this" not in refused.text
        assert (await client.get("/declared-public")).text == "anyone reads this"
