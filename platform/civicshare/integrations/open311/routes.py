"""Open311 GeoReport v2 at `/open311/v2/` on each council's address; jurisdiction_id is the council's slug.

JSON only (`.json` resources). `api_key` is accepted and ignored: this deployment needs none.
Errors are GeoReport's list `[{"code": 400, "description": "..."}]` rather than the platform's
problem+json, on purpose: Open311 clients (FixMyStreet, 311 apps) read that format.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.errors import field_errors
from civicshare.api.idempotency import IdempotencyKey, refuse_blank_key
from civicshare.catalogue.service import CouncilOfferings
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.integrations.open311.service import (
    Open311Error,
    as_georeport,
    check_jurisdiction,
    collect_params,
    council_definition,
    find_service_requests,
    open311_offering,
    open311_offerings,
    open311_service_codes,
    params_from_json,
    parse_request,
    requested_ids,
    service_notice,
)
from civicshare.modules import fee_for
from civicshare.policy import PUBLIC
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.hosts import public_origin
from civicshare.transactions.stores import CommittedStatements
from civicshare.transactions.submission import (
    IdempotencyKeyReused,
    SubmissionInvalid,
    Submitter,
    check_submission,
    submit,
)

JSON = "application/json"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANNEL = "app"  # Open311 clients are apps


def _json(content: Any, status_code: int = 200) -> Response[Any]:
    return Response(content, status_code=status_code, media_type=JSON)


def _error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, Open311Error):
        return _json(exc.body(), exc.status)
    if isinstance(exc, Problem):
        return _json([{"code": exc.status, "description": exc.detail or exc.title}], exc.status)
    if isinstance(exc, ValidationException) and (errors := field_errors(exc)):
        described = [f"{error['field']}: {error['message']}" for error in errors]
        return _json(Open311Error(exc.status_code, described).body(), exc.status_code)
    assert isinstance(exc, HTTPException)
    return _json([{"code": exc.status_code, "description": exc.detail or "The request failed"}], exc.status_code)


def _json_resource(name: str, what: str) -> str:
    """`REF.json` -> `REF`; other formats are not offered."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        raise Open311Error(404, [f"No {what} {name!r}; add .json"])
    if extension != "json":
        raise Open311Error(400, ["Only the JSON format is offered: use .json"])
    return stem


def _query(request: Request[Any, Any, State]) -> dict[str, Any]:
    return collect_params(request.query_params.multi_items())


@get("/discovery.json", opt=PUBLIC)
async def discovery(request: Request[Any, Any, State], tenant: NamedDependency[TenantContext]) -> Response[Any]:
    """Where this council's GeoReport v2 endpoint is and what it speaks."""
    url = f"{public_origin(request.scope)}{root_path(request.scope)}/open311/v2"
    return _json(
        {
            "changeset": "2026-01-01T00:00:00Z",
            "contact": f"{tenant.name}: use the council's website to contact us",
            "key_service": "No API key is needed",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": "2026-01-01T00:00:00Z",
                    "type": "production",
                    "formats": [JSON],
                }
            ],
        }
    )


@get("/services.json", opt=PUBLIC)
async def service_list(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
) -> Response[Any]:
    """The council's offered services that can be reported through Open311."""
    check_jurisdiction(_query(request), tenant)
    entries = [
        offering.service.open311.as_service_list_entry()
        for offering in open311_offerings(offerings)
        if offering.service.open311 is not None
    ]
    return _json(entries)


@get("/services/{name:str}", opt=PUBLIC)
async def service_definition(
    name: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
) -> Response[Any]:
    """One service's attributes (`/services/report-pothole.json`)."""
    check_jurisdiction(_query(request), tenant)
    code = _json_resource(name, "service")
    found = open311_offering(offerings, code)
    if found is None:
        raise Open311Error(404, [f"Service {code!r} is not offered by this council"])
    return _json(council_definition(*found))


@post("/requests.json", status_code=201, opt=PUBLIC)
async def create_request(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    idempotency_key: IdempotencyKey = None,
) -> Response[Any]:
    """File a service request: form-encoded per the spec, or JSON with the same names."""
    refuse_blank_key(idempotency_key)
    params = _query(request)
    if request.content_type[0] == JSON:
        try:
            params.update(params_from_json(await request.json()))
        except ValueError:
            raise Open311Error(400, ["The body is not valid JSON"]) from None
    else:
        params.update(collect_params((await request.form()).multi_items()))
    check_jurisdiction(params, tenant)
    code = str(params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, ["service_code: give the code of the service from services.json"])
    found = open311_offering(offerings, code)
    if found is None:
        raise Open311Error(400, [f"service_code: {code[:63]!r} is not offered by this council"])
    offering, _ = found
    parsed = parse_request(offering, params)
    submitter = Submitter.anonymous(parsed.email)
    try:
        checked = check_submission(offering, parsed.answers, CHANNEL, submitter)
        if fee_for(offering.service, checked, offering.settings):
            raise Open311Error(400, [f"{offering.title} needs a payment: use the council's website"])
        store = CommittedStatements(services.transaction_writer, tenant)
        result = await submit(store, offering, parsed.answers, CHANNEL, submitter, idempotency_key)
    except SubmissionInvalid as invalid:
        raise Open311Error(400, parsed.errors(invalid.errors)) from None
    except IdempotencyKeyReused:
        raise Open311Error(400, ["This Idempotency-Key was already used for a different request"]) from None
    return _json(
        [{"service_request_id": result.reference, "service_notice": service_notice(result.due_on), "account_id": None}],
        201,
    )


async def _requests(ids: list[str], tenant_db: AsyncConnection, services: PlatformServices) -> list[dict[str, Any]]:
    codes = open311_service_codes(services.registry)
    found = await find_service_requests(tenant_db, ids, codes)
    return [as_georeport(row, services.registry) for row in found]


@get("/requests.json", opt=PUBLIC)
async def request_list(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """Service requests by id (`service_request_id=A,B`); unknown ids are left out."""
    params = _query(request)
    check_jurisdiction(params, tenant)
    raw = params.get("service_request_id")
    return _json(await _requests(requested_ids(str(raw) if raw is not None else None), tenant_db, services))


@get("/requests/{name:str}", opt=PUBLIC)
async def request_by_id(
    name: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> Response[Any]:
    """One service request (`/requests/KNG-2026-000123.json`), as a list of one per the spec."""
    check_jurisdiction(_query(request), tenant)
    reference = _json_resource(name, "service request")
    found = await _requests([reference], tenant_db, services)
    if not found:
        raise Open311Error(404, [f"No service request {reference[:40]!r} at this council"])
    return _json(found)


open311_router = Router(
    path="/open311/v2",
    route_handlers=[discovery, service_list, service_definition, create_request, request_list, request_by_id],
    tags=["open311"],
    exception_handlers={
        Open311Error: _error_response,
        Problem: _error_response,
        HTTPException: _error_response,
        ValidationException: _error_response,  # else the platform's handler of it answers problem+json
    },
)
