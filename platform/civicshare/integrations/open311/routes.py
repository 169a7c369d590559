"""Open311 GeoReport v2 at `/open311/v2/` on each council's address; jurisdiction_id is the council's slug.

Every resource in both formats, by extension (`.xml`, the specification's required one, and `.json`).
Reads are open; POSTs (requests, service request updates) need `api_key`, one per client, issued by the
council's administrators (`/api/v1/staff/open311-clients`). Every answer under `/open311/`, errors
included, is in GeoReport's format (`<errors><error><code/><description/></error></errors>`), never the
platform's problem+json: Open311 clients (FixMyStreet, 311 apps) read that format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath
from litestar.serialization import encode_json
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.errors import field_errors
from civicshare.api.idempotency import IdempotencyKey, refuse_blank_key
from civicshare.casework.service import add_note
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.http.heavy_lane import heavy
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.integrations.open311.answers import (
    RecentAnswers,
    answer_key,
    assembled,
    compress,
    content_coding,
    etag,
    known_markers,
    markers_asked,
    rendering_digest,
)
from civicshare.integrations.open311.formats import (
    MEDIA_TYPES,
    Document,
    Format,
    as_xml,
    error_body_for_path,
    errors_document,
    format_of,
    render,
)
from civicshare.integrations.open311.listing import ServiceTable, fetch_listing, service_table
from civicshare.integrations.open311.service import (
    Open311Error,
    RequestQuery,
    ServiceRequest,
    as_georeport,
    check_jurisdiction,
    collect_params,
    council_definition,
    date_window,
    find_service_requests,
    has_attributes,
    list_service_requests,
    open311_offering,
    open311_offerings,
    open311_service_codes,
    outside_description,
    params_from_json,
    parse_request,
    requested_ids,
    requested_statuses,
    service_notice,
)
from civicshare.integrations.open311.updates import post_update, status_updates
from civicshare.modules import fee_for
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.systems.open311_keys import Open311Client, verify_client_key
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.hosts import public_origin
from civicshare.transactions.stores import InCallersTransaction
from civicshare.transactions.submission import (
    IdempotencyKeyReused,
    SubmissionInvalid,
    Submitter,
    check_submission,
    submit,
)
from civicshare.web.assets import NO_COMPRESSION

JSON = "application/json"
Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]
_OPEN311_PATH = re.compile(r"^(/t/[^/]+)?/open311(/|$)")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-04T00:00:00Z"
CHANNEL = "app"  # Open311 clients are apps
_ANSWERS = "open311_recent_answers"  # the app state's RecentAnswers
_SERVICE_TABLE = "open311_service_table"  # the app state's ServiceTable of the registry's Open311 services


def _error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Any error under `/open311/`, in GeoReport's format (the path's, else XML, the required one)."""
    fmt: Format = format_of(request.url.path) or "xml"
    headers: dict[str, str] = {}  # a 429's Retry-After, a 405's Allow
    if isinstance(exc, Open311Error):
        status, descriptions = exc.status, exc.descriptions
    elif isinstance(exc, Problem):
        status, descriptions = exc.status, [exc.detail or exc.title]
        headers = dict(exc.headers)
    elif isinstance(exc, ValidationException) and (errors := field_errors(exc)):
        status, descriptions = exc.status_code, [f"{error['field']}: {error['message']}" for error in errors]
    elif isinstance(exc, HTTPException):
        status, descriptions = exc.status_code, [exc.detail or "The request failed"]
        headers = dict(exc.headers or {})
    else:
        raise exc
    return render(errors_document(status, descriptions), fmt, status, headers)


def _format(request: Request[Any, Any, Any]) -> Format:
    fmt = format_of(request.url.path)
    if fmt is None:
        raise Open311Error(400, ["Give the format as the path's extension: .xml or .json"])
    return fmt


def _resource(name: str, what: str) -> str:
    """`REF.xml` or `REF.json` -> `REF`."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        raise Open311Error(404, [f"No {what} {name[:63]!r}; add .xml or .json"])
    if extension not in ("xml", "json"):
        raise Open311Error(400, ["Give the format as the path's extension: .xml or .json"])
    return stem


def _query(request: Request[Any, Any, State]) -> dict[str, Any]:
    return collect_params(request.query_params.multi_items())


async def _posted(request: Request[Any, Any, State], tenant: TenantContext) -> dict[str, Any]:
    """A POST's parameters: form-encoded per the specification, or JSON with the same names."""
    params = _query(request)
    if request.content_type[0] == JSON:
        try:
            params.update(params_from_json(await request.json()))
        except ValueError:
            raise Open311Error(400, ["The body is not valid JSON"]) from None
    else:
        params.update(collect_params((await request.form()).multi_items()))
    check_jurisdiction(params, tenant)
    return params


async def _client(params: dict[str, Any], tenant_db: AsyncConnection) -> Open311Client:
    presented = str(params.get("api_key") or "").strip()
    client = await verify_client_key(tenant_db, presented) if presented else None
    if client is None:
        raise Open311Error(403, ["api_key: give the API key this council issued to your application"])
    return client


@get(["/discovery.xml", "/discovery.json"], opt=PUBLIC)
async def discovery(request: Request[Any, Any, State], tenant: NamedDependency[TenantContext]) -> Response[Any]:
    """Where this council's GeoReport v2 endpoint is and what it speaks."""
    url = f"{public_origin(request.scope)}{root_path(request.scope)}/open311/v2/"
    body = {
        "changeset": CHANGESET,
        "contact": f"{tenant.name}: use the council's website to contact us",
        "key_service": f"Ask {tenant.name} for an API key: its administrators issue one to each application",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": [MEDIA_TYPES["xml"], MEDIA_TYPES["json"]],
            }
        ],
    }
    return render(Document("discovery", body), _format(request))


@get(["/services.xml", "/services.json"], opt=PUBLIC)
async def service_list(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
) -> Response[Any]:
    """The council's offered services that can be reported through Open311."""
    fmt = _format(request)
    check_jurisdiction(_query(request), tenant)
    entries = []
    for offering in open311_offerings(offerings):
        declared = offering.service.open311
        assert declared is not None
        entries.append(declared.as_service_list_entry(has_attributes(offering, declared)))
    return render(Document("services", entries), fmt)


@get("/services/{name:str}", opt=PUBLIC)
async def service_definition(
    name: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
) -> Response[Any]:
    """One service's attributes (`/services/report-pothole.xml`)."""
    code = _resource(name, "service")
    check_jurisdiction(_query(request), tenant)
    found = open311_offering(offerings, code)
    if found is None:
        raise Open311Error(404, [f"Service {code[:63]!r} is not offered by this council"])
    return render(Document("service_definition", council_definition(*found)), _format(request))


@post(
    ["/requests.xml", "/requests.json"],
    status_code=201,
    opt=PUBLIC,
    middleware=[rate_limited(Traffic.SUBMISSIONS)],
)
async def create_request(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    idempotency_key: IdempotencyKey = None,
) -> Response[Any]:
    """File a service request (needs `api_key`); the answer carries its id at once (no tokens). A place
    outside the council's area (lat/long, a postcode in address_string or an address attribute) is
    refused, naming the council on the platform whose area it is in."""
    fmt = _format(request)
    refuse_blank_key(idempotency_key)
    params = await _posted(request, tenant)
    client = await _client(params, tenant_db)
    code = str(params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, ["service_code: give the code of a service from services.xml"])
    found = open311_offering(offerings, code)
    if found is None:
        raise Open311Error(404, [f"service_code: {code[:63]!r} is not offered by this council"])
    offering, declared = found
    parsed = parse_request(offering, declared, params)
    place = await services.area.answers_outside(tenant, offering.service, parsed.answers)
    if place is not None:
        raise Open311Error(400, parsed.errors({place.answer: outside_description(tenant, place.outside)}))
    submitter = Submitter.through_client(parsed.email)
    try:
        checked = check_submission(offering, parsed.answers, CHANNEL, submitter)
        if fee_for(offering.service, checked, offering.settings):
            raise Open311Error(400, [f"{offering.title} needs a payment: use the council's website"])
        store = InCallersTransaction(tenant_db, tenant)
        result = await submit(store, offering, parsed.answers, CHANNEL, submitter, idempotency_key)
    except SubmissionInvalid as invalid:
        raise Open311Error(400, parsed.errors(invalid.errors)) from None
    except IdempotencyKeyReused:
        raise Open311Error(400, ["This Idempotency-Key was already used for a different request"]) from None
    if result.created:
        await add_note(
            tenant_db, result.transaction_id, result.reference, client.actor, parsed.details.staff_note(client.name)
        )
    receipt = {
        "service_request_id": result.reference,
        "service_notice": service_notice(result.due_on),
        "account_id": None,
    }
    return render(Document("service_requests", [receipt]), fmt, 201)


def _open311_services(services: PlatformServices, code: str | None) -> tuple[str, ...]:
    """The platform's codes of the Open311 services, or of the one whose Open311 code is `code`."""
    known = open311_service_codes(services.registry)
    if not code:
        return tuple(known)
    wanted = {part.strip() for part in code.split(",") if part.strip()}
    chosen = tuple(platform for platform, (_, declared) in known.items() if declared.service_code in wanted)
    if not chosen:
        raise Open311Error(404, [f"service_code: {code[:63]!r} is not a service of this endpoint"])
    return chosen


@get(["/requests.xml", "/requests.json"], opt={**PUBLIC, NO_COMPRESSION: True}, middleware=[heavy()])
async def request_list(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """Service requests by id (`service_request_id=A,B`, which overrides every other filter; unknown ids
    are left out), else by service_code, start_date/end_date (the last 90 days without) and status.
    Compressed here, not by the app's middleware, so that a JSON listing is compressed once per change
    (`answers`)."""
    fmt = _format(request)
    params = _query(request)
    check_jurisdiction(params, tenant)
    raw_ids = params.get("service_request_id")
    if raw_ids is not None:
        codes = open311_service_codes(services.registry)
        async with tenant_connection(services.database.engine, tenant) as tenant_db:
            found = await find_service_requests(tenant_db, requested_ids(str(raw_ids)), codes)
        return _compressed(request, _encoded(found, services, tenant, fmt), fmt)
    start, end = date_window(params, datetime.now(UTC))
    query = RequestQuery(
        services=_open311_services(services, str(params.get("service_code") or "")),
        start=start,
        end=end,
        statuses=requested_statuses(params.get("status")),
    )
    if fmt == "xml":
        async with tenant_connection(services.database.engine, tenant) as tenant_db:
            found = await list_service_requests(tenant_db, query)
        return _compressed(request, _encoded(found, services, tenant, fmt), fmt)
    return await _listing(request, tenant, services, query)


def _encoded(found: list[ServiceRequest], services: PlatformServices, tenant: TenantContext, fmt: Format) -> bytes:
    body = [as_georeport(row, services.registry, tenant.name) for row in found]
    return as_xml(Document("service_requests", body)) if fmt == "xml" else encode_json(body)


def _compressed(
    request: Request[Any, Any, State], body: bytes, fmt: Format, headers: dict[str, str] | None = None
) -> Response[Any]:
    """The answer as the app's compression middleware would have sent it."""
    config = request.app.compression_config
    assert config is not None
    coding = content_coding(request.headers.get("accept-encoding", ""), len(body), config)
    headers = dict(headers or {})
    if coding is not None:
        body = compress(body, coding, config)
        headers.update({"content-encoding": coding, "vary": "Accept-Encoding"})
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def _recent_answers(state: State) -> RecentAnswers:
    found: RecentAnswers | None = state.get(_ANSWERS)
    if found is None:
        found = state[_ANSWERS] = RecentAnswers()
    return found


async def _listing(
    request: Request[Any, Any, State], tenant: TenantContext, services: PlatformServices, query: RequestQuery
) -> Response[Any]:
    """GET requests.json without ids: written by PostgreSQL (`listing`), 304 to a client whose ETag is
    still the answer, and this node's copy when the database says it still is (`answers`)."""
    table = _service_table(request.app.state, services)
    digest = rendering_digest(tenant.schema, tenant.name, table, query)
    asked, any_tag = markers_asked(request.headers.get("if-none-match"), digest)
    answers = _recent_answers(request.app.state)
    key = answer_key(tenant.schema, tenant.name, query)
    held = answers.get(key)
    listing = await fetch_listing(
        services.database.engine,
        tenant,
        query,
        table,
        known_markers(held, asked),
        held.held if held is not None else ("", ""),
    )
    headers = {"etag": etag(listing.marker, digest)}
    if any_tag or listing.marker in asked:
        return Response(b"", status_code=304, headers=headers)
    if listing.rows is not None:
        held = assembled(listing.marker, listing.rows, held)
        answers.put(key, held)
    assert held is not None and held.marker == listing.marker  # the rows are left out only for the held marker
    config = request.app.compression_config
    assert config is not None
    coding = content_coding(request.headers.get("accept-encoding", ""), len(held.body), config)
    if coding is None:
        return Response(held.body, media_type=JSON, headers=headers)
    body = answers.encoded(key, held, coding, config)
    return Response(body, media_type=JSON, headers={**headers, "content-encoding": coding, "vary": "Accept-Encoding"})


def _service_table(state: State, services: PlatformServices) -> ServiceTable:
    """The registry's Open311 services as the listing statement reads them (the registry is fixed while
    the app runs)."""
    found: ServiceTable | None = state.get(_SERVICE_TABLE)
    if found is None:
        found = state[_SERVICE_TABLE] = service_table(services.registry, open311_service_codes(services.registry))
    return found


@get("/requests/{name:str}", opt=PUBLIC)
async def request_by_id(
    name: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """One service request (`/requests/KNG-2026-000123.xml`), as a list of one per the specification."""
    reference = _resource(name, "service request")
    check_jurisdiction(_query(request), tenant)
    found = await find_service_requests(tenant_db, [reference], open311_service_codes(services.registry))
    if not found:
        raise Open311Error(404, [f"No service request {reference[:40]!r} at this council"])
    body = [as_georeport(row, services.registry, tenant.name) for row in found]
    return render(Document("service_requests", body), _format(request))


@get("/tokens/{name:str}", opt=PUBLIC)
async def token(name: FromPath[str], request: Request[Any, Any, State]) -> Response[Any]:
    """Tokens: none is ever given (every POST answers its service_request_id at once), so none is found."""
    stem = _resource(name, "token")
    raise Open311Error(404, [f"No token {stem[:40]!r}: this endpoint gives each request its id when it is posted"])


@get(["/servicerequestupdates.xml", "/servicerequestupdates.json"], opt=PUBLIC, middleware=[heavy()])
async def update_list(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """Staff's moves of the council's Open311 requests between start_date and end_date (the last 90
    days without), oldest first, at most 1,000."""
    fmt = _format(request)
    params = _query(request)
    check_jurisdiction(params, tenant)
    start, end = date_window(params, datetime.now(UTC))
    codes = _open311_services(services, None)
    updates = await status_updates(tenant_db, services.registry, codes, start, end)
    return render(Document("service_requests_updates", updates), fmt)


@post(
    ["/servicerequestupdates.xml", "/servicerequestupdates.json"],
    status_code=200,
    opt=PUBLIC,
    middleware=[rate_limited(Traffic.SUBMISSIONS)],
)
async def create_update(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """A resident's update from a client (needs `api_key`): a comment for staff, or closing the request."""
    fmt = _format(request)
    params = await _posted(request, tenant)
    client = await _client(params, tenant_db)
    update_id = await post_update(
        tenant_db,
        tenant,
        client,
        params,
        registry=services.registry,
        offerings=offerings,
        services=_open311_services(services, None),
    )
    return render(Document("service_request_updates", [{"update_id": update_id}]), fmt)


def resolution_error_in_georeport(scope: Any, problem: Problem) -> tuple[bytes, str] | None:
    """For the council resolver: its errors (no such council, suspended) on `/open311/` paths."""
    return error_body_for_path(str(scope.get("path", "")), problem.status, problem.detail or problem.title)


_ERRORS: dict[int | type[Exception], Any] = {
    Open311Error: _error_response,
    Problem: _error_response,
    HTTPException: _error_response,
    ValidationException: _error_response,  # else the platform's handler of it answers problem+json
}

open311_router = Router(
    path="/open311/v2",
    route_handlers=[
        discovery,
        service_list,
        service_definition,
        create_request,
        request_list,
        request_by_id,
        token,
        update_list,
        create_update,
    ],
    tags=["open311"],
    exception_handlers=_ERRORS,
)


def georeport_under_open311(handlers: Mapping[type[Exception], Handler]) -> dict[type[Exception], Handler]:
    """Wrap the app's exception handlers so that what no Open311 route answers (an unknown path under
    `/open311/`, a method no route takes) is still a GeoReport error there."""

    def wrap(handler: Handler) -> Handler:
        def under_open311(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if _OPEN311_PATH.match(request.url.path) and isinstance(exc, HTTPException | Problem):
                return _error_response(request, exc)
            return handler(request, exc)

        return under_open311

    return {kind: wrap(handler) for kind, handler in handlers.items()}
