"""The system API (`/api/v1/system/`): a council's own systems read the requests that changed, move a
request on through its service's workflow, and tell the resident something, with a system key.

Handlers are thin: the key and its scope are checked, the write goes through the same domain function
as a member of staff's (`change_status`, `add_public_update`), and writes are idempotent by their
`Idempotency-Key`. Every query runs in the council's schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Response, Router, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.idempotency import IdempotencyKey, refuse_blank_key
from civicshare.casework.service import record_action
from civicshare.catalogue.service import CouncilOfferings
from civicshare.http.problems import Problem
from civicshare.integrations.system_api.access import (
    provide_system_db,
    provide_system_key,
    require_service,
)
from civicshare.integrations.system_api.schemas import (
    AddedPublicUpdate,
    ChangedRequests,
    ExternalReference,
    NewPublicUpdate,
    PublicUpdateOut,
    StatusMove,
    SystemRequest,
    SystemRequestInFull,
)
from civicshare.modules import UnknownService, WorkflowError
from civicshare.policy import Credential, Permission, requires
from civicshare.services import PlatformServices
from civicshare.systems import idempotency
from civicshare.systems.changes import Position, changed_since, start_at
from civicshare.systems.keys import SystemKey
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.status import change_status
from civicshare.transactions.updates import add_public_update, set_external_reference
from civicshare.transactions.views import Wording, refused_move, tracked_view, validation_problem

PAGE_MOST = 200
BODY_MOST = 16_384
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

Key = NamedDependency[SystemKey]
Services = NamedDependency[PlatformServices]
Tenant = NamedDependency[TenantContext]
SystemDb = NamedDependency[AsyncConnection]
Offerings = NamedDependency[CouncilOfferings]


def _not_found(reference: str) -> Problem:
    return Problem(404, "Request not found", f"This council has no request {reference}.", name="transaction-not-found")


def _system_request(row: dict[str, Any], wording: Wording) -> SystemRequest:
    return SystemRequest(
        reference=row["reference"],
        service=row["service"],
        status=row["status"],
        status_label=wording.label(row["status"]),
        channel=row["channel"],
        submitted_at=row["created_at"],
        updated_at=row["updated_at"],
        due_on=row["due_on"],
        closed_at=row["closed_at"],
        decision_reason=row["decision_reason"],
        external_reference=row["external_reference"],
        contact_email=row["contact_email"],
        address=row["address"],
        latitude=float(row["latitude"]) if row["latitude"] is not None else None,
        longitude=float(row["longitude"]) if row["longitude"] is not None else None,
        usrn=row["usrn"],
        answers=dict(row["answers"] or {}),
    )


async def _in_full(
    connection: AsyncConnection, offerings: CouncilOfferings, services: PlatformServices, row: dict[str, Any]
) -> SystemRequestInFull:
    wording = Wording(offerings, services, row["service"])
    workflow = wording.workflow
    return SystemRequestInFull(
        request=_system_request(row, wording),
        tracked=await tracked_view(connection, offerings, services, row),
        next_statuses=sorted(workflow.allowed_from(row["status"]))
        if workflow is not None and row["status"] in workflow.states
        else [],
    )


async def _request_of(
    connection: AsyncConnection,
    services: PlatformServices,
    tenant: TenantContext,
    key: SystemKey,
    reference: str,
    *,
    for_update: bool = False,
) -> dict[str, Any]:
    """The council's request, if the key works on its service (404 if there is none, 403 if not)."""
    row = await find_by_reference(connection, reference, for_update=for_update)
    if row is None:
        raise _not_found(reference)
    await require_service(services, tenant, key, row["service"], row["reference"])
    return row


def _replayed(stored: idempotency.StoredAnswer) -> Response[Any]:
    return Response(stored.body, status_code=stored.status_code, headers={"idempotent-replayed": "true"})


async def _claim(
    connection: AsyncConnection, key: SystemKey, idempotency_key: str | None, operation: str, body: object
) -> Response[Any] | None:
    """The stored answer to replay, or None to go ahead (the answer is then stored by `_answer`)."""
    refuse_blank_key(idempotency_key)
    if idempotency_key is None:
        return None
    try:
        stored = await idempotency.claim(
            connection, key.id, idempotency_key, idempotency.fingerprint(operation, msgspec.to_builtins(body))
        )
    except idempotency.KeyReused:
        raise Problem(
            422,
            "Idempotency-Key used for another request",
            "This Idempotency-Key was sent before with a different request. Use a new key for a new request.",
            name="idempotency-key-reused",
            extra={"errors": [{"field": "Idempotency-Key", "message": "Use a new key for a different request"}]},
        ) from None
    return _replayed(stored) if stored is not None else None


async def _answer(
    connection: AsyncConnection, key: SystemKey, idempotency_key: str | None, status_code: int, body: object
) -> Response[Any]:
    if idempotency_key is not None:
        await idempotency.remember(connection, key.id, idempotency_key, status_code, msgspec.to_builtins(body))
    return Response(body, status_code=status_code)


@get(
    "/requests",
    summary="Requests changed since a time, oldest change first",
    opt=requires(Permission.VIEW_REQUESTS, by=Credential.SYSTEM_KEY),
)
async def changed_requests(
    system_key: Key,
    system_db: SystemDb,
    offerings: Offerings,
    services: Services,
    since: Annotated[
        datetime | None, QueryParameter(description="the first page: changes at or after this time (ISO 8601)")
    ] = None,
    cursor: Annotated[
        str | None, QueryParameter(max_length=200, description="the following pages: `next_cursor` of the last one")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MOST)] = 50,
) -> ChangedRequests:
    """A page of the council's requests (of the key's services) changed since `since`, or after `cursor`.
    A change shows once every change before it is committed, so following `next_cursor` never misses one;
    keep `next_cursor` and ask again later for what changed since."""
    if since is not None and cursor is not None:
        raise validation_problem({"cursor": "Send either since or cursor, not both"})
    if cursor is not None:
        position = Position.decoded(cursor)
        if position is None:
            raise validation_problem({"cursor": "This is not a cursor this API gave out"})
    elif since is not None:
        position = start_at(since if since.tzinfo else since.replace(tzinfo=UTC))
    else:
        position = start_at(EPOCH)
    page = await changed_since(system_db, position, frozenset(system_key.services or ()) or None, limit)
    items = [_system_request(row, Wording(offerings, services, row["service"])) for row in page.rows]
    return ChangedRequests(items=items, next_cursor=page.next_position.encoded(), more=page.more)


@get(
    "/requests/{reference:str}",
    summary="Read one request",
    opt=requires(Permission.VIEW_REQUESTS, by=Credential.SYSTEM_KEY),
)
async def read_request(
    reference: FromPath[str],
    system_key: Key,
    tenant: Tenant,
    system_db: SystemDb,
    offerings: Offerings,
    services: Services,
) -> SystemRequestInFull:
    """The request in full, what the resident sees when tracking it, and the statuses it may move to."""
    row = await _request_of(system_db, services, tenant, system_key, reference)
    return await _in_full(system_db, offerings, services, row)


@post(
    "/requests/{reference:str}/status",
    status_code=200,
    summary="Move a request on",
    opt=requires(Permission.CHANGE_REQUESTS, by=Credential.SYSTEM_KEY),
)
async def move_request(
    reference: FromPath[str],
    data: JSONBody[StatusMove],
    system_key: Key,
    tenant: Tenant,
    system_db: SystemDb,
    offerings: Offerings,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> Response[SystemRequestInFull]:
    """Move a request to another status of its service's workflow, as staff do (closing or rejecting
    needs a `reason`; the resident reads it only with `reason_public`), optionally with the system's own
    reference for it.
    Send an `Idempotency-Key`: a repeat answers the same without moving it twice."""
    reference = normalise_reference(reference)
    replay = await _claim(system_db, system_key, idempotency_key, f"POST status {reference}", data)
    if replay is not None:
        return replay
    reason = (data.reason or "").strip() or None
    external_reference = (data.external_reference or "").strip() or None
    row = await _request_of(system_db, services, tenant, system_key, reference, for_update=True)
    try:
        moved = await change_status(
            system_db,
            tenant,
            reference,
            data.status,
            system_key.name,
            reason,
            reason_public=data.reason_public and reason is not None,
            registry=services.registry,
            offerings=offerings,
        )
    except TransactionNotFound:
        raise _not_found(reference) from None
    except (UnknownService, WorkflowError) as refused:
        raise refused_move(refused) from None
    if external_reference is not None:
        await set_external_reference(system_db, row["id"], external_reference, system_key.name)
    await record_action(
        system_db,
        system_key.actor,
        "moved",
        reference,
        to=moved.change.to_status,
        external_reference=external_reference,
    )
    found = await find_by_reference(system_db, reference)
    assert found is not None
    return await _answer(
        system_db, system_key, idempotency_key, 200, await _in_full(system_db, offerings, services, found)
    )


@put(
    "/requests/{reference:str}/external-reference",
    summary="Record the system's own reference for a request",
    opt=requires(Permission.CHANGE_REQUESTS, by=Credential.SYSTEM_KEY),
)
async def record_external_reference(
    reference: FromPath[str],
    data: JSONBody[ExternalReference],
    system_key: Key,
    tenant: Tenant,
    system_db: SystemDb,
    offerings: Offerings,
    services: Services,
) -> SystemRequestInFull:
    """Keep the system's own reference (a CRM case id) on the request, without moving it on; officers
    see it on the request. Sending the same again changes nothing."""
    external_reference = data.external_reference.strip()
    if not external_reference:
        raise validation_problem({"external_reference": "Enter the system's reference for the request"})
    row = await _request_of(system_db, services, tenant, system_key, reference, for_update=True)
    if (row["external_reference"], row["external_system"]) != (external_reference, system_key.name):
        await set_external_reference(system_db, row["id"], external_reference, system_key.name)
        await record_action(
            system_db, system_key.actor, "external-reference", row["reference"], external_reference=external_reference
        )
        changed = await find_by_reference(system_db, row["reference"])
        assert changed is not None
        row = changed
    return await _in_full(system_db, offerings, services, row)


@post(
    "/requests/{reference:str}/updates",
    status_code=201,
    summary="Add a public update the resident reads",
    opt=requires(Permission.CHANGE_REQUESTS, by=Credential.SYSTEM_KEY),
)
async def add_update(
    reference: FromPath[str],
    data: JSONBody[NewPublicUpdate],
    system_key: Key,
    tenant: Tenant,
    system_db: SystemDb,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> Response[AddedPublicUpdate]:
    """Tell the resident something about their request (they read it when tracking it). Send an
    `Idempotency-Key`: a repeat answers the same without adding the update twice."""
    reference = normalise_reference(reference)
    replay = await _claim(system_db, system_key, idempotency_key, f"POST updates {reference}", data)
    if replay is not None:
        return replay
    text = data.text.strip()
    if not text:
        raise validation_problem({"text": "Enter the update the resident will read"})
    await _request_of(system_db, services, tenant, system_key, reference, for_update=True)
    try:
        added = await add_public_update(system_db, reference, text, system_key.name)
    except TransactionNotFound:
        raise _not_found(reference) from None
    await record_action(system_db, system_key.actor, "public-update", reference)
    body = AddedPublicUpdate(reference, PublicUpdateOut(added.body, added.author, added.at))
    return await _answer(system_db, system_key, idempotency_key, 201, body)


system_router = Router(
    path="/api/v1/system",
    route_handlers=[changed_requests, read_request, move_request, record_external_reference, add_update],
    dependencies={
        "system_key": Provide(provide_system_key, sync_to_thread=False),
        "system_db": Provide(provide_system_db),
    },
    tags=["system"],
    request_max_body_size=BODY_MOST,
)
