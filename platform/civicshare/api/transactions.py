"""Resident API for transactions: submit, track (by reference and email, or signed in), pay, attach.

Handlers are thin: they parse, call the service layer (`submission`, `payments`, `attachments`,
`service`) and shape the answer. Problems are RFC 9457 problem+json; a submission that fails the
module's checks is 422 with every field's GOV.UK message in `errors: [{field, message}]`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from civicshare.api.authentication import provide_principal
from civicshare.api.catalogue import not_offered
from civicshare.api.dependencies import provide_services, provide_tenant
from civicshare.api.idempotency import IdempotencyKey, refuse_blank_key
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.payments import PaymentFailed, PaymentProvider
from civicshare.places.responsibility import outside_message
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions import tokens
from civicshare.transactions.attachments import (
    MAX_UPLOAD_BYTES,
    AttachmentsRefused,
    UploadedFile,
    count_attachments,
    discarded_unless_recorded,
    record_staged,
    stage_files,
)
from civicshare.transactions.payments import NoPaymentDue, PaymentStart, finish_payment, start_payment
from civicshare.transactions.schemas import (
    AttachmentOut,
    PaymentLink,
    PaymentRestart,
    PaymentReturn,
    StoredFiles,
    SubmitRequest,
    SubmittedTransaction,
    TrackedTransaction,
    UploadLink,
)
from civicshare.transactions.service import (
    find_by_reference,
    find_by_reference_and_email,
)
from civicshare.transactions.stores import CommittedStatements
from civicshare.transactions.submission import (
    IdempotencyKeyReused,
    SubmissionInvalid,
    SubmissionResult,
    Submitter,
    check_submission,
    submit,
)
from civicshare.transactions.tracking import TrackedRequest, find_tracked
from civicshare.transactions.views import (
    NOT_KNOWN_YET,
    NOT_STARTED,
    Wording,
    payment_unavailable,
    tracked_shape,
    transaction_not_found,
    validation_problem,
)

RESIDENT_CHANNELS = ("web", "app")
MAX_SUBMISSION_BYTES = 1024 * 1024  # answers only: photos are uploaded afterwards


def _return_url(
    request: Request[Any, Any, State], tenant: TenantContext, secret: Any, reference: str, wanted: str | None
) -> str:
    token = tokens.payment_return_token(secret, tenant.schema, reference)
    path = wanted or f"/api/v1/transactions/{reference}/payment-return"
    separator = "&" if "?" in path else "?"
    root = root_path(request.scope)
    return f"{root}{path}{separator}reference={reference}&token={token}"


def _check_return_url(wanted: str | None) -> dict[str, str]:
    if wanted is None:
        return {}
    if not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted or len(wanted) > 500:
        return {"return_url": "Return URL must be a path on this council's site, like /pay/done"}
    return {}


async def _payment_for(
    services: PlatformServices,
    request: Request[Any, Any, State],
    tenant: TenantContext,
    result: SubmissionResult,
    offering: Offering,
    return_path: str | None,
) -> PaymentStart | None:
    if not result.fee_pence or result.payment_status != "required":
        return None
    try:
        return await start_payment(
            services.database.engine,
            tenant,
            result.reference,
            services.payments_for(tenant),
            _return_url(request, tenant, services.settings.secret_key, result.reference, return_path),
            description=f"{tenant.name}: {offering.title}",
            workflow=offering.service.workflow,
        )
    except PaymentFailed as failure:
        raise payment_unavailable(
            result.reference,
            "We could not start your payment, and no money was taken. Send the same request again (same "
            "Idempotency-Key) to try paying again.",
        ) from failure


@post(
    "/api/v1/services/{code:str}/transactions",
    tags=["transactions"],
    status_code=201,
    request_max_body_size=MAX_SUBMISSION_BYTES,
    middleware=[rate_limited(Traffic.SUBMISSIONS)],  # and in `direct_submit`, which serves most of them
    opt=PUBLIC,
)
async def submit_transaction(
    code: FromPath[str],
    data: JSONBody[SubmitRequest],
    request: Request[Any, Any, State],
    idempotency_key: IdempotencyKey = None,
) -> Response[SubmittedTransaction]:
    """Submit a service's answers. Send an `Idempotency-Key` header so a retry never makes a second request."""
    # The busiest route: served by `civicshare.api.direct_submit` ahead of Litestar, which calls
    # this function with what Litestar would have given it. It resolves its parts in line, not as
    # dependencies, so that it needs nothing else from the framework.
    refuse_blank_key(idempotency_key)
    services = provide_services(request.app.state)
    tenant = provide_tenant(request)
    offerings = await services.offerings.for_council(tenant)
    resident_principal = await provide_principal(request, services)
    offering = offerings.offering(code)
    if offering is None:
        raise not_offered(code, tenant)
    early = _check_return_url(data.return_url)
    if data.channel not in RESIDENT_CHANNELS:
        early["channel"] = "Channel must be web or app"
    place = await services.area.answers_outside(tenant, offering.service, data.answers)
    if place is not None:
        early[place.answer] = outside_message(tenant, place.outside)
    submitter = replace(
        Submitter.resident(resident_principal.subject, data.contact_email)
        if resident_principal
        else Submitter.anonymous(data.contact_email),
        contact_phone=data.contact_phone,
    )
    if early:  # refused before anything is written: each statement here commits on its own
        try:
            check_submission(offering, data.answers, data.channel, submitter)
        except SubmissionInvalid as invalid:
            raise validation_problem({**invalid.errors, **early}) from None
        raise validation_problem(early)
    try:
        store = CommittedStatements(services.transaction_writer, tenant)
        result = await submit(store, offering, data.answers, data.channel, submitter, idempotency_key)
    except SubmissionInvalid as invalid:
        raise validation_problem(invalid.errors) from None
    except IdempotencyKeyReused as reused:
        raise Problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            name="idempotency-key-reused",
        ) from reused
    payment = await _payment_for(services, request, tenant, result, offering, data.return_url)
    next_url = payment.next_url if payment else result.payment_next_url
    transaction_href = f"{root_path(request.scope)}/api/v1/transactions/{result.reference}"
    upload = None
    if offering.service.attachments is not None:
        token = tokens.upload_token(services.settings.secret_key, tenant.schema, result.reference)
        expiry = tokens.upload_token_expiry(token) or 0
        upload = UploadLink(f"{transaction_href}/attachments", token, datetime.fromtimestamp(expiry, UTC))
    body = SubmittedTransaction(
        reference=result.reference,
        service=result.service,
        status=result.status,
        status_label=result.status_label,
        fee_pence=result.fee_pence,
        due_on=result.due_on,
        submitted_at=result.submitted_at,
        payment=PaymentLink("created" if payment else (result.payment_status or ""), result.fee_pence, next_url)
        if result.fee_pence
        else None,
        upload=upload,
        track_href=transaction_href,
        derived=result.derived,
    )
    headers = {"location": body.track_href}
    if not result.created:
        headers["idempotent-replayed"] = "true"
    return Response(body, status_code=201, headers=headers)


LookedUp = tuple[str, TrackedRequest | None]


async def look_up_tracked(
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> LookedUp:
    """The request a track asks for, and the email it was looked up with. Looked up before the route's
    parameters are checked, as the connection the route used to take was: with the database out of
    reach, the answer is 503 whatever the parameters."""
    email = request.query_params.get("email") or ""
    return email, await find_tracked(services.database.engine, tenant, request.path_params["reference"], email)


@get(
    "/api/v1/transactions/{reference:str}",
    tags=["transactions"],
    opt=PUBLIC,
    middleware=[rate_limited(Traffic.TRACKING)],
    dependencies={"looked_up": Provide(look_up_tracked)},
)
async def track_transaction(
    reference: FromPath[str],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    email: Annotated[str, QueryParameter(min_length=3, max_length=254)],
    looked_up: NamedDependency[LookedUp],
) -> TrackedTransaction:
    """Track a request with its reference and the email address given when it was made."""
    looked_up_with, found = looked_up
    if looked_up_with != email:  # the checked parameter is not the raw one (never seen, but then ask again)
        found = await find_tracked(services.database.engine, tenant, reference, email)
    if found is None:
        raise transaction_not_found()
    return tracked_shape(Wording(offerings, services, found.row["service"]), found.row, found.history, found.updates)


@get("/api/v1/transactions/{reference:str}/payment-return", tags=["transactions"], opt=PUBLIC)
async def payment_return(
    reference: FromPath[str],
    token: FromQuery[str],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
) -> PaymentReturn:
    """Where the payment provider sends the resident back: records how the payment went."""
    # No request-long connection (`tenant_db`): none may be held while the payment provider is asked.
    async with tenant_connection(services.database.engine, tenant) as connection:
        found = await find_by_reference(connection, reference)
    if found is None or not tokens.check_payment_return_token(
        services.settings.secret_key, tenant.schema, found["reference"], token
    ):
        raise transaction_not_found()
    wording = Wording(offerings, services, found["service"])
    if wording.workflow is None:
        raise not_offered(found["service"], tenant)
    try:
        outcome = await finish_payment(
            services.database.engine, tenant, found["reference"], services.payments_for(tenant), wording.workflow
        )
    except PaymentFailed as failure:
        raise payment_unavailable(found["reference"], NOT_KNOWN_YET) from failure
    return PaymentReturn(
        outcome.reference, outcome.payment_status, outcome.status, wording.label(outcome.status), outcome.confirmed
    )


@post(
    "/api/v1/transactions/{reference:str}/payment",
    tags=["transactions"],
    status_code=201,
    opt=PUBLIC,
    middleware=[rate_limited(Traffic.TRACKING)],
)
async def restart_payment(
    reference: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    email: Annotated[str, QueryParameter(min_length=3, max_length=254)],
    return_url: FromQuery[str | None] = None,
) -> PaymentRestart:
    """Try paying again after a declined or abandoned payment."""
    async with tenant_connection(services.database.engine, tenant) as connection:  # not held while paying
        found = await find_by_reference_and_email(connection, reference, email)
    if found is None:
        raise transaction_not_found()
    offering = offerings.offering(found["service"])
    if offering is None:
        raise not_offered(found["service"], tenant)
    problems = _check_return_url(return_url)
    if problems:
        raise validation_problem(problems)
    provider: PaymentProvider = services.payments_for(tenant)
    try:
        started = await start_payment(
            services.database.engine,
            tenant,
            found["reference"],
            provider,
            _return_url(request, tenant, services.settings.secret_key, found["reference"], return_url),
            description=f"{tenant.name}: {offering.title}",
            workflow=offering.service.workflow,
        )
    except NoPaymentDue:
        raise Problem(409, "Nothing to pay", "This request has nothing left to pay.", name="no-payment-due") from None
    except PaymentFailed as failure:
        raise payment_unavailable(found["reference"], NOT_STARTED) from failure
    return PaymentRestart(started.reference, started.next_url, started.amount_pence)


@post(
    "/api/v1/transactions/{reference:str}/attachments",
    tags=["transactions"],
    status_code=201,
    request_max_body_size=MAX_UPLOAD_BYTES,
    middleware=[rate_limited(Traffic.UPLOADS)],
    opt=PUBLIC,
)
async def upload_attachments(
    reference: FromPath[str],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    offerings: NamedDependency[CouncilOfferings],
    services: NamedDependency[PlatformServices],
    upload_token: Annotated[str | None, HeaderParameter(name="X-Upload-Token")] = None,
) -> StoredFiles:
    """Attach photos or files (multipart field `files`) within 30 minutes of submitting, with the upload token."""
    # No request-long connection (`tenant_db`): none is held while the body arrives, the photos are
    # prepared or the file store writes them; the rows are written in a short transaction after.
    form = await request.form()
    token = upload_token or str(form.get("token") or "")
    engine = services.database.engine
    async with tenant_connection(engine, tenant) as connection:
        found = await find_by_reference(connection, reference)
        already = await count_attachments(connection, found["id"]) if found is not None else 0
    if found is None or not tokens.check_upload_token(
        services.settings.secret_key, tenant.schema, found["reference"], token
    ):
        raise Problem(
            404,
            "Request not found",
            "No request matches that reference and upload token, or the time to add files has passed.",
            name="transaction-not-found",
        )
    offering = offerings.offering(found["service"])
    if offering is None:
        raise not_offered(found["service"], tenant)
    files = [
        UploadedFile(value.filename, await value.read())
        for _, value in form.multi_items()
        if isinstance(value, UploadFile)
    ]
    if not files:
        raise validation_problem({"attachments": "Select a file"})
    try:
        staged = await stage_files(services.files, tenant, offering.service, found["reference"], files, already=already)
        async with discarded_unless_recorded(staged), tenant_connection(engine, tenant) as connection:
            if await find_by_reference(connection, reference, for_update=True) is None:  # uploads in turn
                raise Problem(404, "Request not found", "The request is no longer kept.", name="transaction-not-found")
            stored = await record_staged(connection, offering.service, found["id"], staged)
    except AttachmentsRefused as refused:
        raise validation_problem(refused.errors) from None
    return StoredFiles(
        found["reference"], [AttachmentOut(s.id, s.filename, s.content_type, s.size_bytes) for s in stored]
    )
