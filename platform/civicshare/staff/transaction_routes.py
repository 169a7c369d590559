"""Staff API for a council's transactions: the work queue, one request in full (with the files the
resident attached), and moving it on.

Only staff of the request's own council get in (`staff` guard), and every query runs in that council's
schema, so a member of staff never sees another council's residents. A status change goes through
`change_status`: the module's workflow decides what may follow what, and closing or rejecting needs a
reason, which the resident then sees with the name of whoever decided.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from msgspec import Meta, Struct
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.authentication import forbidden
from civicshare.api.stored_files import stored_file_response
from civicshare.casework.teams import services_allowed
from civicshare.catalogue.service import CouncilOfferings
from civicshare.http.heavy_lane import heavy
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.identity.principal import Principal
from civicshare.modules import UnknownService, WorkflowError
from civicshare.policy import Permission, may_work_on, requires
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import list_attachments, stored_file
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.schemas import TrackedTransaction, TransactionSummary
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.status import change_status
from civicshare.transactions.tables import transactions
from civicshare.transactions.views import Wording, refused_move, staff_name, tracked_view, validation_problem

QUEUE_LIMIT = 200


class StaffAttachment(Struct):
    filename: str
    content_type: str
    size_bytes: int
    href: str


class StaffTransaction(Struct):
    """What the resident sees when tracking (`request`), and what only staff see beside it."""

    request: TrackedTransaction
    next_statuses: list[str]
    submitter_kind: str
    contact_email: str | None
    answers: dict[str, Any]
    address: str | None
    attachments: list[StaffAttachment]


class StatusChangeRequest(Struct):
    status: Annotated[str, Meta(max_length=40)]
    reason: str | None = None
    # Show the reason to the resident (tracking, Open311, email)? By default it is an internal note.
    reason_public: bool = False


def _not_found(reference: str) -> Problem:
    return Problem(404, "Request not found", f"This council has no request {reference}.", name="transaction-not-found")


async def _request(connection: AsyncConnection, reference: str, staff: Principal) -> dict[str, Any]:
    """The request, if this member of staff's teams work on its service (403 if not)."""
    found = await find_by_reference(connection, reference)
    if found is None:
        raise _not_found(reference)
    allowed = await services_allowed(connection, staff.subject)
    if not may_work_on(allowed, found["service"]):
        raise forbidden("Your team does not work on this service, so you cannot open its requests.")
    return found


@get("/api/v1/staff/transactions", tags=["staff"], opt=requires(Permission.VIEW_REQUESTS), middleware=[heavy()])
async def work_queue(
    staff: NamedDependency[Principal],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    status: Annotated[str | None, QueryParameter(max_length=40)] = None,
    service: Annotated[str | None, QueryParameter(max_length=63)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=QUEUE_LIMIT)] = 50,
) -> list[TransactionSummary]:
    """This council's requests, the oldest due first, optionally of one status or service."""
    query = select(transactions).order_by(transactions.c.due_on.asc().nulls_last(), transactions.c.id).limit(limit)
    allowed = await services_allowed(tenant_db, staff.subject)
    if allowed is not None:
        query = query.where(transactions.c.service.in_(sorted(allowed)))
    if status:
        query = query.where(transactions.c.status == status)
    if service:
        query = query.where(transactions.c.service == service)
    rows = (await tenant_db.execute(query)).mappings()
    summaries = []
    for row in rows:
        wording = Wording(offerings, services, row["service"])
        summaries.append(
            TransactionSummary(
                row["reference"], row["service"], row["status"], wording.label(row["status"]), row["created_at"]
            )
        )
    return summaries


async def _in_full(
    request: Request[Any, Any, Any],
    connection: AsyncConnection,
    offerings: CouncilOfferings,
    services: PlatformServices,
    row: dict[str, Any],
) -> StaffTransaction:
    workflow = Wording(offerings, services, row["service"]).workflow
    files = f"{root_path(request.scope)}/api/v1/staff/transactions/{row['reference']}/attachments"
    return StaffTransaction(
        request=await tracked_view(connection, offerings, services, row, for_staff=True),
        # A status the workflow no longer has (it changed since) leads nowhere, but is still shown.
        next_statuses=sorted(workflow.allowed_from(row["status"]))
        if workflow and row["status"] in workflow.states
        else [],
        submitter_kind=row["submitter_kind"],
        contact_email=row["contact_email"],
        answers=dict(row["answers"] or {}),
        address=row["address"],
        attachments=[
            StaffAttachment(found.filename, found.content_type, found.size_bytes, f"{files}/{found.id}")
            for found in await list_attachments(connection, row["id"])
        ],
    )


@get("/api/v1/staff/transactions/{reference:str}", tags=["staff"], opt=requires(Permission.VIEW_REQUESTS))
async def staff_transaction(
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    staff: NamedDependency[Principal],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
) -> StaffTransaction:
    """One request in full, with the statuses it may move to next."""
    return await _in_full(request, tenant_db, offerings, services, await _request(tenant_db, reference, staff))


@post(
    "/api/v1/staff/transactions/{reference:str}/status",
    tags=["staff"],
    status_code=200,
    opt=requires(Permission.CHANGE_REQUESTS),
)
async def move_transaction(
    reference: FromPath[str],
    data: JSONBody[StatusChangeRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[Principal],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
) -> StaffTransaction:
    """Move a request to another status of its workflow; closing or rejecting needs a `reason`."""
    reason = (data.reason or "").strip() or None
    await _request(tenant_db, reference, staff)
    if reason is not None and len(reason) > 2000:
        raise validation_problem({"reason": "Reason must be 2000 characters or fewer"})
    try:
        await change_status(
            tenant_db,
            tenant,
            reference,
            data.status,
            staff_name(staff),
            reason,
            reason_public=data.reason_public and reason is not None,
            registry=services.registry,
            offerings=offerings,
        )
    except TransactionNotFound:
        raise _not_found(reference) from None
    except (UnknownService, WorkflowError) as refused:
        raise refused_move(refused) from None
    return await _in_full(request, tenant_db, offerings, services, await _request(tenant_db, reference, staff))


@get(
    "/api/v1/staff/transactions/{reference:str}/attachments/{attachment_id:int}",
    tags=["staff"],
    opt=requires(Permission.VIEW_REQUESTS),
)
async def staff_attachment(
    reference: FromPath[str],
    attachment_id: FromPath[int],
    staff: NamedDependency[Principal],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> Stream:
    """A file the resident attached (a photo of the pothole), as they sent it."""
    found = await _request(tenant_db, reference, staff)
    stored = await stored_file(tenant_db, services.files, tenant, found["id"], attachment_id)
    if stored is None:
        raise Problem(404, "File not found", f"Request {reference} has no such file.", name="attachment-not-found")
    attachment, opened = stored
    return stored_file_response(
        opened,
        attachment.content_type,
        filename=attachment.filename,
        headers={"cache-control": "private, no-store"},
    )


STAFF_ROUTES = [work_queue, staff_transaction, move_transaction, staff_attachment]
