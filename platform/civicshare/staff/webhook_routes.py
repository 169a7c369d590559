"""The council administrators' webhooks API, on the council's own address (host, /t/<slug>/ or X-Tenant).

    GET    /api/v1/webhooks/endpoints                     the council's endpoints
    POST   /api/v1/webhooks/endpoints                     register one (201; the secret shown this once)
    GET    /api/v1/webhooks/endpoints/{id}                one endpoint
    PATCH  /api/v1/webhooks/endpoints/{id}                change its address, description or event types
    POST   /api/v1/webhooks/endpoints/{id}/rotate-secret  a new secret, shown this once; the old stops at once
    POST   /api/v1/webhooks/endpoints/{id}/disable        stop sending, saying why
    POST   /api/v1/webhooks/endpoints/{id}/enable         start again
    DELETE /api/v1/webhooks/endpoints/{id}                remove it with its log
    GET    /api/v1/webhooks/endpoints/{id}/attempts       the delivery log, newest first (?before=&limit=)
    POST   /api/v1/webhooks/endpoints/{id}/deliveries/{event_id}/redeliver   send an event again, now

Only administrators of the council addressed may use it (`council_admin`: 401/403); the council comes from
the request's TenantContext, so another council's endpoints are simply not there (404). Every change is
written to the council's audit log (/staff/audit). A browser session must also send the page's CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.csrf import CSRF_HEADER, csrf_token_matches
from civicshare.casework.service import Officer
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal, Via
from civicshare.notifications.webhooks import endpoints
from civicshare.notifications.webhooks.config import secret_box, target_policy
from civicshare.notifications.webhooks.deliveries import LOG_PAGE_MAX, attempts_of
from civicshare.notifications.webhooks.schemas import (
    AttemptPage,
    AttemptResource,
    DisableRequest,
    EndpointChanges,
    EndpointResource,
    EndpointWithSecret,
    NewEndpoint,
    RedeliveryResult,
)
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.notifications.webhooks.sending import Attempt
from civicshare.notifications.webhooks.targets import TargetRefused
from civicshare.policy import Permission, requires
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext

Admin = NamedDependency[Principal]
Services = NamedDependency[PlatformServices]
Tenant = NamedDependency[TenantContext]
Db = NamedDependency[AsyncConnection]
EndpointId = Annotated[str, FromPath]
_LARGEST_ID = 2**63 - 1
_TAGS = ["webhooks"]
EVENT_ID_MAX_LENGTH = 100


def officer_of(principal: Principal) -> Officer:
    return Officer(principal.subject, principal.name or principal.email or principal.subject)


def endpoint_not_found(tenant: TenantContext) -> Problem:
    return Problem(404, "Endpoint not found", f"{tenant.name} has no such webhook endpoint.", name="endpoint-not-found")


def endpoint_id_of(text: str, tenant: TenantContext) -> int:
    """An endpoint id from the address; anything else is simply not an endpoint (404, never a 500)."""
    if not text.isdecimal() or int(text) > _LARGEST_ID:
        raise endpoint_not_found(tenant)
    return int(text)


T = TypeVar("T")


async def _changed(
    request: Request[Any, Any, Any],
    council_admin: Principal,
    services: PlatformServices,
    tenant: TenantContext,
    endpoint_id: str,
    change: Callable[[AsyncConnection, Officer, int], Awaitable[T | None]],
) -> T:
    """One administrator's change to one of the council's endpoints, in its own transaction (404 if absent)."""
    _written_by_a_browser(request, services, council_admin)
    number = endpoint_id_of(endpoint_id, tenant)
    async with tenant_connection(services.database.engine, tenant) as connection:
        changed = await change(connection, officer_of(council_admin), number)
    if changed is None:
        raise endpoint_not_found(tenant)
    return changed


def url_refused(refused: TargetRefused) -> Problem:
    message = f"The address {refused}"
    return Problem(
        422,
        "Endpoint address refused",
        message,
        name="endpoint-address-refused",
        extra={"errors": [{"field": "url", "message": message}]},
    )


async def checked_url(services: PlatformServices, url: str) -> str:
    url = url.strip()
    try:
        await target_policy(services.settings).check(url)
    except TargetRefused as refused:
        raise url_refused(refused) from None
    return url


def _written_by_a_browser(request: Request[Any, Any, Any], services: PlatformServices, admin: Principal) -> None:
    """A write from a signed-in browser proves it came from the platform's own pages (CSRF)."""
    if admin.via is Via.SESSION and not csrf_token_matches(request, services, request.headers.get(CSRF_HEADER)):
        raise Problem(403, "Form expired", "Send the page's CSRF token in the X-CSRF-Token header.", name="csrf-failed")


@get(
    "/api/v1/webhooks/endpoints",
    tags=_TAGS,
    summary="The council's webhook endpoints",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def list_endpoints(council_admin: Admin, tenant_db: Db) -> list[EndpointResource]:
    return [EndpointResource.of(endpoint) for endpoint in await endpoints.list_endpoints(tenant_db)]


@post(
    "/api/v1/webhooks/endpoints",
    tags=_TAGS,
    summary="Register an endpoint (its secret is shown this once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def register_endpoint(
    request: Request[Any, Any, Any],
    council_admin: Admin,
    services: Services,
    tenant: Tenant,
    data: JSONBody[NewEndpoint],
) -> EndpointWithSecret:
    _written_by_a_browser(request, services, council_admin)
    url = await checked_url(services, data.url)
    async with tenant_connection(services.database.engine, tenant) as connection:
        endpoint, secret = await endpoints.register(
            connection,
            secret_box(services.settings),
            officer_of(council_admin),
            url=url,
            description=data.description.strip(),
            event_types=tuple(data.event_types) if data.event_types is not None else None,
        )
    return EndpointWithSecret(**EndpointResource.of(endpoint).model_dump(), secret=secret)


@get(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}",
    tags=_TAGS,
    summary="One endpoint",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def read_endpoint(
    council_admin: Admin, tenant: Tenant, tenant_db: Db, endpoint_id: EndpointId
) -> EndpointResource:
    found = await endpoints.find_endpoint(tenant_db, endpoint_id_of(endpoint_id, tenant))
    if found is None:
        raise endpoint_not_found(tenant)
    return EndpointResource.of(found)


@patch(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}",
    tags=_TAGS,
    summary="Change an endpoint",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def change_endpoint(
    request: Request[Any, Any, Any],
    council_admin: Admin,
    services: Services,
    tenant: Tenant,
    endpoint_id: EndpointId,
    data: JSONBody[EndpointChanges],
) -> EndpointResource:
    given = data.model_fields_set
    changes: dict[str, Any] = {}
    if "url" in given:
        if data.url is None:
            raise Problem(
                422, "Endpoint address refused", "The address must not be empty.", name="endpoint-address-refused"
            )
        changes["url"] = await checked_url(services, data.url)
    if "description" in given:
        changes["description"] = (data.description or "").strip()
    if "event_types" in given:
        changes["event_types"] = tuple(data.event_types) if data.event_types is not None else None
    changed = await _changed(
        request,
        council_admin,
        services,
        tenant,
        endpoint_id,
        lambda connection, officer, number: endpoints.change(connection, officer, number, **changes),
    )
    return EndpointResource.of(changed)


@post(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}/rotate-secret",
    tags=_TAGS,
    status_code=200,
    summary="Replace the signing secret (the new one is shown this once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def rotate_secret(
    request: Request[Any, Any, Any], council_admin: Admin, services: Services, tenant: Tenant, endpoint_id: EndpointId
) -> EndpointWithSecret:
    box = secret_box(services.settings)
    endpoint, secret = await _changed(
        request,
        council_admin,
        services,
        tenant,
        endpoint_id,
        lambda connection, officer, number: endpoints.rotate_secret(connection, box, officer, number),
    )
    return EndpointWithSecret(**EndpointResource.of(endpoint).model_dump(), secret=secret)


@post(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}/disable",
    tags=_TAGS,
    status_code=200,
    summary="Disable an endpoint",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def disable_endpoint(
    request: Request[Any, Any, Any],
    council_admin: Admin,
    services: Services,
    tenant: Tenant,
    endpoint_id: EndpointId,
    data: JSONBody[DisableRequest],
) -> EndpointResource:
    reason = data.reason.strip()
    changed = await _changed(
        request,
        council_admin,
        services,
        tenant,
        endpoint_id,
        lambda connection, officer, number: endpoints.disable(connection, officer, number, reason),
    )
    return EndpointResource.of(changed)


@post(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}/enable",
    tags=_TAGS,
    status_code=200,
    summary="Enable an endpoint",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def enable_endpoint(
    request: Request[Any, Any, Any], council_admin: Admin, services: Services, tenant: Tenant, endpoint_id: EndpointId
) -> EndpointResource:
    changed = await _changed(request, council_admin, services, tenant, endpoint_id, endpoints.enable)
    return EndpointResource.of(changed)


@delete(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}",
    tags=_TAGS,
    summary="Remove an endpoint and its log",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def remove_endpoint(
    request: Request[Any, Any, Any], council_admin: Admin, services: Services, tenant: Tenant, endpoint_id: EndpointId
) -> None:
    async def remove(connection: AsyncConnection, officer: Officer, number: int) -> bool | None:
        return await endpoints.remove(connection, officer, number) or None

    await _changed(request, council_admin, services, tenant, endpoint_id, remove)


@get(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}/attempts",
    tags=_TAGS,
    summary="The endpoint's delivery log",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def endpoint_attempts(
    council_admin: Admin,
    tenant: Tenant,
    tenant_db: Db,
    endpoint_id: EndpointId,
    before: Annotated[
        int | None, QueryParameter(ge=1, le=_LARGEST_ID, description="attempts older than this id")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=LOG_PAGE_MAX)] = 50,
) -> AttemptPage:
    number = endpoint_id_of(endpoint_id, tenant)
    if await endpoints.find_endpoint(tenant_db, number) is None:
        raise endpoint_not_found(tenant)
    found = await attempts_of(tenant_db, number, before_id=before, limit=limit + 1)
    more = len(found) > limit
    items = [AttemptResource.of(logged) for logged in found[:limit]]
    return AttemptPage(items=items, next_cursor=str(items[-1].id) if more else None)


@post(
    "/api/v1/webhooks/endpoints/{endpoint_id:str}/deliveries/{event_id:str}/redeliver",
    tags=_TAGS,
    status_code=200,
    summary="Send an event to the endpoint again, now (same webhook-id)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def redeliver(
    request: Request[Any, Any, Any],
    council_admin: Admin,
    services: Services,
    tenant: Tenant,
    endpoint_id: EndpointId,
    event_id: Annotated[str, FromPath],
) -> RedeliveryResult:
    _written_by_a_browser(request, services, council_admin)
    attempt = await redeliver_now(services, tenant, council_admin, endpoint_id_of(endpoint_id, tenant), event_id)
    return RedeliveryResult.of(event_id, attempt)


async def redeliver_now(
    services: PlatformServices, tenant: TenantContext, admin: Principal, endpoint_id: int, event_id: str
) -> Attempt:
    """Send the event again at once, as first signed; 404 when the endpoint was never owed it."""
    missing = Problem(
        404,
        "Delivery not found",
        f"This endpoint was never sent the event {event_id[:100]}.",
        name="delivery-not-found",
    )
    if len(event_id) > EVENT_ID_MAX_LENGTH:
        raise missing
    sender = WebhookSender.for_settings(services.settings, services.database.engine)
    try:
        attempt = await sender.redeliver(tenant, endpoint_id, event_id, officer_of(admin))
    finally:
        await sender.aclose()
    if attempt is None:
        raise missing
    return attempt


HANDLERS = [
    list_endpoints,
    register_endpoint,
    read_endpoint,
    change_endpoint,
    rotate_secret,
    disable_endpoint,
    enable_endpoint,
    remove_endpoint,
    endpoint_attempts,
    redeliver,
]
