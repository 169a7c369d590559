"""Residents' personal data, for operators: each council's retention (periods, what is due for erasure,
what was erased), a run of its retention job on demand, subject access exports (202 and a job to poll),
erasure of an account on request across councils, and what the platform itself holds about an account.
Asking for a subject access export or an erasure needs a full key; reading them, like every read, a
reading key (as council exports)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.response import Stream
from pydantic import Field, model_validator
from sqlalchemy import func, select

from civicshare.admin import audit
from civicshare.admin.errors import invalid, not_found
from civicshare.admin.operators import CHANGES, READS
from civicshare.admin.pagination import Cursor, Limit, decode_cursor, next_cursor
from civicshare.admin.schemas import Wire
from civicshare.api.stored_files import stored_file_response
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.tables import sessions
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.policy.operators import Operator
from civicshare.privacy import accounts, jobs, subject_access
from civicshare.privacy.retention import due_for_erasure
from civicshare.privacy.rules import council_rules
from civicshare.privacy.tables import account_erasures, personal_data_erasures
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email

Services = NamedDependency[PlatformServices]
CurrentOperator = NamedDependency[Operator]
POLL_SECONDS = 2
SlugPath = Annotated[str, PathParameter(description="the council's slug", max_length=63)]


async def _council(services: PlatformServices, slug: str) -> TenantContext:
    council = await services.directory.by_slug(slug)
    if council is None:
        raise not_found("Council", f"There is no council {slug!r}.")
    return council


# --- retention --------------------------------------------------------------------------------------


class ServiceRetention(Wire):
    service: str
    title: str
    months: int = Field(description="months after closing that personal data is kept")
    set_by_council: bool = Field(description="false: the module's declared default")
    due_for_erasure: int
    erased_so_far: int


class DueRequest(Wire):
    reference: str
    service: str
    closed_at: datetime


class RetentionResource(Wire):
    council: str
    services: list[ServiceRetention]
    first_due: list[DueRequest] = Field(description="up to 50 requests due, longest closed first")


@get("/councils/{slug:str}/retention", summary="Read a council's retention periods and what is due", opt=READS)
async def read_retention(services: Services, slug: SlugPath) -> RetentionResource:
    """Periods are set with `retention_months` (service code -> months) on the council (PATCH), or in
    its TOML file; a service not named keeps its module's declared period."""
    council = await _council(services, slug)
    async with tenant_connection(services.database.engine, council) as connection:
        rules = await council_rules(connection, services.registry, council)
        by_service, first = await due_for_erasure(connection, rules, datetime.now(UTC))
    return RetentionResource(
        council=slug,
        services=[
            ServiceRetention(
                service=item.service,
                title=item.title,
                months=item.months,
                set_by_council=item.set_by_council,
                due_for_erasure=item.due,
                erased_so_far=item.erased_so_far,
            )
            for item in by_service
        ],
        first_due=[DueRequest(**row) for row in first],
    )


class RetentionRunQueued(Wire):
    council: str
    queued: bool = Field(description="false: a run was already waiting, which will do it")


@post(
    "/councils/{slug:str}/retention-runs",
    status_code=202,
    summary="Run a council's retention job now (erases what is due; answers 202)",
    opt=CHANGES,
)
async def run_retention_now(services: Services, operator: CurrentOperator, slug: SlugPath) -> RetentionRunQueued:
    council = await _council(services, slug)
    async with tenant_connection(services.database.engine, council) as connection:
        queued = await jobs.request_retention_run(connection, slug)
        await audit.record(connection, operator, "council.retention_run_requested", council=slug)
    return RetentionRunQueued(council=slug, queued=queued)


class ErasureRecord(Wire):
    id: int
    reference: str
    service: str
    reason: str
    outcome: str
    requested_by: str
    erased: list[str]
    kept: dict[str, str] = Field(description="what was kept: why")
    at: datetime


class ErasurePage(Wire):
    items: list[ErasureRecord]
    next_cursor: str | None


@get("/councils/{slug:str}/erasures", summary="List a council's erasures of personal data", opt=READS)
async def list_erasures(services: Services, slug: SlugPath, cursor: Cursor = None, limit: Limit = 50) -> ErasurePage:
    council = await _council(services, slug)
    before = decode_cursor("erasures", cursor)
    query = select(personal_data_erasures).order_by(personal_data_erasures.c.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(personal_data_erasures.c.id < int(before))
    async with tenant_connection(services.database.engine, council) as connection:
        rows = [
            ErasureRecord(**{k: v for k, v in row.items() if k != "transaction_id"})
            for row in (await connection.execute(query)).mappings()
        ]
    return ErasurePage(items=rows[:limit], next_cursor=next_cursor("erasures", rows, limit, lambda e: e.id))


# --- subject access ---------------------------------------------------------------------------------


class PersonToFind(Wire):
    email: str | None = Field(default=None, max_length=254)
    account: str | None = Field(default=None, max_length=255, description="the account's subject id")

    @model_validator(mode="after")
    def _someone(self) -> PersonToFind:
        if not self.email and not self.account:
            raise ValueError("give the person's email or account")
        return self


def _person(data: PersonToFind) -> tuple[str | None, str | None]:
    email = data.email.strip().lower() if data.email else None
    if email is not None and not valid_email(email):
        raise invalid([("email", EMAIL_MESSAGE)])
    return email, (data.account.strip() or None) if data.account else None


class SubjectAccessResource(Wire):
    id: int
    council: str
    state: str
    email: str | None
    account: str | None
    requests_found: int | None
    requests_written: int
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    error: str | None
    download_url: str | None
    poll_url: str


def _access_resource(slug: str, row: dict[str, Any]) -> SubjectAccessResource:
    poll = f"/admin/v1/councils/{slug}/subject-access/{row['id']}"
    return SubjectAccessResource(
        id=row["id"],
        council=slug,
        state=row["state"],
        email=row["person_email"],
        account=row["person_subject"],
        requests_found=row["requests_found"],
        requests_written=row["requests_written"],
        requested_by=row["requested_by_name"],
        requested_at=row["requested_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        download_url=f"{poll}/file" if row["state"] == "done" else None,
        poll_url=poll,
    )


def _polled(resource: Wire, state: str, poll_url: str, status_code: int) -> Response[Any]:
    headers = {"Location": poll_url}
    if state in ("queued", "running"):
        headers["Retry-After"] = str(POLL_SECONDS)
    return Response(resource, status_code=status_code, headers=headers)


@post(
    "/councils/{slug:str}/subject-access",
    status_code=202,
    summary="Export everything a council holds about a person (answers 202 with a job to poll)",
    opt=CHANGES,
)
async def request_subject_access(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[PersonToFind]
) -> Response[SubjectAccessResource]:
    """Found by the email they gave or their account; the job writes a zip (JSON, an HTML and CSV
    summary, the photos). Poll `Location` until `done`, then download from `download_url`."""
    email, account = _person(data)
    council = await _council(services, slug)
    async with tenant_connection(services.database.engine, council) as connection:
        row = await subject_access.request_export(
            connection, email=email, subject=account, requested_by=operator.id, requested_by_name=operator.name
        )
        await jobs.defer_subject_access(connection, slug, row["id"])
        await audit.record(
            connection,
            operator,
            "person.subject_access_requested",
            council=slug,
            after={"email": email, "account": account},
        )
    resource = _access_resource(slug, row)
    return _polled(resource, resource.state, resource.poll_url, 202)


async def _access_row(services: PlatformServices, slug: str, request_id: int) -> dict[str, Any]:
    council = await _council(services, slug)
    async with tenant_connection(services.database.engine, council) as connection:
        row = await subject_access.read_request(connection, request_id)
    if row is None:
        raise not_found("Subject access request", f"Council {slug!r} has no subject access request {request_id}.")
    return row


@get("/councils/{slug:str}/subject-access/{request_id:int}", summary="Poll a subject access export", opt=READS)
async def read_subject_access(
    services: Services, slug: SlugPath, request_id: FromPath[int]
) -> Response[SubjectAccessResource]:
    resource = _access_resource(slug, await _access_row(services, slug, request_id))
    return _polled(resource, resource.state, resource.poll_url, 200)


@get(
    "/councils/{slug:str}/subject-access/{request_id:int}/file",
    summary="Download a subject access export (zip)",
    media_type="application/zip",
    opt=READS,
)
async def download_subject_access(services: Services, slug: SlugPath, request_id: FromPath[int]) -> Stream:
    row = await _access_row(services, slug, request_id)
    found = await subject_access.open_export_file(services.files, slug, row)
    if found is None:
        raise Problem(409, "Not ready", f"Subject access export {request_id} has no file (yet).", name="not-ready")
    name, opened = found
    return stored_file_response(opened, "application/zip", filename=name)


# --- accounts ---------------------------------------------------------------------------------------


class AccountToErase(Wire):
    email: str = Field(max_length=254)


class AccountErasureResource(Wire):
    id: int
    state: str
    email: str | None
    account: str
    identity_removed: bool
    councils_total: int | None
    councils_done: int
    outcome: dict[str, Any] = Field(description="by council: each request erased or detached, what was kept and why")
    error: str | None
    requested_at: datetime
    finished_at: datetime | None
    poll_url: str


def erasure_resource(row: dict[str, Any]) -> AccountErasureResource:
    return AccountErasureResource(
        id=row["id"],
        state=row["state"],
        email=row["email"],
        account=row["subject"],
        identity_removed=row["identity_removed"],
        councils_total=row["councils_total"],
        councils_done=row["councils_done"],
        outcome=row["outcome"],
        error=row["error"],
        requested_at=row["requested_at"],
        finished_at=row["finished_at"],
        poll_url=f"/admin/v1/account-erasures/{row['id']}",
    )


def identity_unavailable() -> Problem:
    return Problem(
        503,
        "Identity provider unavailable",
        "The identity provider cannot be reached, so the account was not deleted; try again.",
        name="identity-unavailable",
        headers={"retry-after": "30"},
    )


@post(
    "/accounts/erase",
    status_code=202,
    summary="Delete a person's account and erase its data at every council (answers 202 with a job to poll)",
    opt=CHANGES,
)
async def erase_account(
    services: Services, operator: CurrentOperator, data: JSONBody[AccountToErase]
) -> Response[AccountErasureResource]:
    """The account is removed from the identity provider and signed out at once; a job then erases its
    closed requests at every council and detaches its open ones, recording what was kept and why."""
    email = data.email.strip().lower()
    if not valid_email(email):
        raise invalid([("email", EMAIL_MESSAGE)])
    if services.identity is None:
        raise identity_unavailable()
    try:
        row = await accounts.delete_account(
            services.database.engine,
            services.identity.directory,
            email,
            requested_by=operator.id,
            requested_by_name=operator.name,
        )
    except IdentityUnavailable:
        raise identity_unavailable() from None
    except accounts.NoSuchAccount:
        raise not_found("Account", f"There is no account with the email address {email}.") from None
    async with services.database.engine.begin() as connection:
        await audit.record(connection, operator, "account.erased", after={"email": email, "erasure": row["id"]})
    resource = erasure_resource(row)
    return _polled(resource, resource.state, resource.poll_url, 202)


@get("/account-erasures/{erasure_id:int}", summary="Poll an account erasure", opt=READS)
async def read_account_erasure(services: Services, erasure_id: FromPath[int]) -> Response[AccountErasureResource]:
    async with services.database.engine.connect() as connection:
        row = await accounts.read_erasure(connection, erasure_id)
    if row is None:
        raise not_found("Account erasure", f"There is no account erasure {erasure_id}.")
    resource = erasure_resource(row)
    return _polled(resource, resource.state, resource.poll_url, 200)


class PlatformAccountData(Wire):
    email: str
    councils: list[str] = Field(description="councils whose organization the person belongs to (staff)")
    sessions: int = Field(description="browser sessions open now")
    erasures: list[AccountErasureResource]


@post("/accounts/data", status_code=200, summary="What the platform itself holds about an account", opt=CHANGES)
async def platform_account_data(
    services: Services, operator: CurrentOperator, data: JSONBody[AccountToErase]
) -> PlatformAccountData:
    """Across councils, the platform's own data about the account (not the councils' requests: each
    council's subject access export holds those)."""
    email = data.email.strip().lower()
    if not valid_email(email):
        raise invalid([("email", EMAIL_MESSAGE)])
    councils: list[str] = []
    if services.identity is not None:
        try:
            councils = await services.identity.directory.councils_of(email)
        except IdentityUnavailable:
            raise identity_unavailable() from None
    async with services.database.engine.begin() as connection:
        open_sessions = await connection.scalar(
            select(func.count()).select_from(sessions).where(func.lower(sessions.c.principal["email"].astext) == email)
        )
        erased = (
            await connection.execute(
                select(account_erasures).where(account_erasures.c.email == email).order_by(account_erasures.c.id)
            )
        ).mappings()
        found = [erasure_resource(dict(row)) for row in erased]
        await audit.record(connection, operator, "account.data_read", after={"email": email})
    return PlatformAccountData(email=email, councils=councils, sessions=int(open_sessions or 0), erasures=found)


HANDLERS = [
    read_retention,
    run_retention_now,
    list_erasures,
    request_subject_access,
    read_subject_access,
    download_subject_access,
    erase_account,
    read_account_erasure,
    platform_account_data,
]
