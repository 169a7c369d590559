"""The back office: a council's officers work its requests in the browser, under `/staff/` on the council's
own address, in its colours. Pages are server-rendered GOV.UK Frontend and work without JavaScript.

Only staff of the request's council get in: anyone not signed in is sent to sign in and brought back,
anyone else is refused (403). Every query runs in the council's own schema. A status change goes
through `transactions.status.change_status`, as the staff API's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from litestar import MediaType, Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from civicshare.api.problems import Problem
from civicshare.api.scope import root_path
from civicshare.casework.service import (
    NOTE_MAX_LENGTH,
    Officer,
    add_note,
    assign,
    notes_of,
    recent_actions,
    record_action,
)
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.identity.guards import forbidden
from civicshare.identity.principal import Principal
from civicshare.modules import DecisionIncomplete, UnknownService, WorkflowError
from civicshare.modules.working_days import uk_today
from civicshare.staff.filters import read_filter
from civicshare.staff.queue import PAGE_SIZE, queue_counts, queue_page
from civicshare.staff.views import queue_rows, request_in_full
from civicshare.transactions.attachments import list_attachments
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import find_by_reference, status_history
from civicshare.transactions.staff_routes import staff_name
from civicshare.transactions.status import change_status
from civicshare.transactions.views import Wording
from civicshare.web.service import CHANNEL_NAMES, uk_date_time
from civicshare.web.site import STATE_KEY as WEB_STATE_KEY
from civicshare.web.site import FieldError, WebRequest, WebSite

TEMPLATES = Path(__file__).parent / "templates"
REASON_MAX_LENGTH = 2000
AUDIT_PAGE = 200
_NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


@dataclass
class StaffPages:
    """The back office's templates, laid over the council website's (its layout, components and assets)."""

    environment: Environment

    @classmethod
    def over(cls, site: WebSite) -> StaffPages:
        loader = ChoiceLoader([FileSystemLoader(TEMPLATES), site.environment.loader])  # type: ignore[list-item]
        return cls(site.environment.overlay(loader=loader))


class StaffVisit:
    """One officer's visit to a back-office page."""

    def __init__(self, web: WebRequest, officer: Principal, pages: StaffPages) -> None:
        self.web = web
        self.officer = officer
        self.pages = pages

    @property
    def services(self) -> Any:
        return self.web.site.services

    def page(self, template: str, *, status: int = 200, **values: Any) -> Response[str]:
        context = self.web.context(officer=self.officer, officer_name=staff_name(self.officer), **values)
        html = self.pages.environment.get_template(template).render(context)
        return self.web.with_flow(Response(html, status_code=status, media_type=MediaType.HTML, headers=_NO_STORE))

    @property
    def casework_officer(self) -> Officer:
        return Officer(self.officer.subject, staff_name(self.officer))

    def redirect(self, path: str) -> Response[Any]:
        """A form in progress (assisted digital) is kept in the flow cookie, as on the resident's pages."""
        return self.web.redirect(path)


async def provide_staff_visit(
    request: Request[Any, Any, State],
    principal: NamedDependency[Principal | None],
    csrf_token: NamedDependency[str],
) -> StaffVisit:
    site: WebSite = request.app.state[WEB_STATE_KEY]
    web = WebRequest(request, site, principal, csrf_token)
    council = web.council
    if principal is None:
        here = request.scope["path"]
        if request.scope.get("query_string"):
            here += "?" + request.scope["query_string"].decode("latin-1")
        raise _SignInFirst(f"{root_path(request.scope)}/auth/sign-in?{urlencode({'next': here})}")
    if not principal.is_staff_of(council.slug):
        raise forbidden(f"You do not work for {council.name} on this platform.")
    await site.logos.refresh(council)
    return StaffVisit(web, principal, request.app.state[STATE_KEY])


class _SignInFirst(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def sign_in_first(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, _SignInFirst)
    return Redirect(exc.location, status_code=303)


# -- home -----------------------------------------------------------------------------------------------


@get("/")
async def staff_home(staff_visit: NamedDependency[StaffVisit]) -> Response[Any]:
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    offerings: CouncilOfferings = await services.offerings.for_council(council)
    async with tenant_connection(services.database.engine, council) as connection:
        counts = await queue_counts(connection, uk_today(), visit.officer.subject)
    by_status = []
    for service, status, count in counts.by_status:
        wording = Wording(offerings, services, service)
        query = urlencode({"service": service, "status": status})
        by_status.append({"service": wording.title, "status": wording.label(status), "count": count, "query": query})
    return visit.page("staff/home.html", title="Staff home", current="staff-home", counts=counts, by_status=by_status)


# -- the queue ------------------------------------------------------------------------------------------


@get("/requests")
async def staff_queue(staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]) -> Response[Any]:
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    offerings: CouncilOfferings = await services.offerings.for_council(council)
    statuses = {
        status: Wording(offerings, services, o.code).label(status)
        for o in offerings
        for status in o.service.workflow.states
    }
    read = read_filter(
        dict(request.query_params.items()),
        frozenset(o.code for o in offerings),
        frozenset(statuses),
    )
    today = uk_today()
    async with tenant_connection(services.database.engine, council) as connection:
        found = await queue_page(connection, read.wanted, page=read.page, today=today, me=visit.officer.subject)
    rows = queue_rows(found.rows, offerings, services, today)
    kept = {key: value for key, value in read.typed.items() if value}

    def page_href(number: int) -> str:
        return visit.web.url("/staff/requests?" + urlencode({**kept, "page": str(number)}))

    return visit.page(
        "staff/queue.html",
        status=400 if read.errors else 200,
        title="Requests",
        current="staff-queue",
        errors=read.errors,
        typed=read.typed,
        wanted=read.wanted,
        found=found,
        rows=rows,
        first_shown=(found.page - 1) * PAGE_SIZE + 1 if found.total else 0,
        last_shown=min(found.page * PAGE_SIZE, found.total),
        page_href=page_href,
        service_options=[{"value": "", "label": "All services"}]
        + [{"value": o.code, "label": o.title} for o in offerings],
        status_options=[{"value": "", "label": "Any status"}]
        + [{"value": value, "label": label} for value, label in sorted(statuses.items(), key=lambda item: item[1])],
        channel_options=[{"value": "", "label": "Any channel"}]
        + [{"value": value, "label": label} for value, label in CHANNEL_NAMES.items()],
        due_options=[
            {"value": "", "label": "Any time"},
            {"value": "overdue", "label": "Overdue"},
            {"value": "today", "label": "Due today"},
            {"value": "this-week", "label": "Due by the end of this week"},
        ],
        assignee_options=[
            {"value": "", "label": "Anyone or nobody"},
            {"value": "me", "label": "Me"},
            {"value": "nobody", "label": "Nobody yet"},
        ],
        state_options=[
            {"value": "open", "label": "Open"},
            {"value": "closed", "label": "Closed"},
            {"value": "all", "label": "Open and closed"},
        ],
    )


# -- one request ----------------------------------------------------------------------------------------


def _not_found(council_name: str, reference: str) -> Problem:
    return Problem(
        404, "Request not found", f"{council_name} has no request {reference}.", name="transaction-not-found"
    )


async def _request_page(
    visit: StaffVisit, reference: str, *, status: int = 200, errors: list[FieldError] | None = None, **values: Any
) -> Response[Any]:
    """The request in full. Opening it shows the resident's personal data, so the view is recorded."""
    services = visit.services
    council = visit.web.council
    offerings: CouncilOfferings = await services.offerings.for_council(council)
    async with tenant_connection(services.database.engine, council) as connection:
        row = await find_by_reference(connection, reference)
        if row is None:
            raise _not_found(council.name, reference)
        history = await status_history(connection, row["id"])
        notes = await notes_of(connection, row["id"])
        files = await list_attachments(connection, row["id"])
        if status == 200:
            await record_action(connection, visit.casework_officer, "viewed", row["reference"])
    base = f"{visit.web.root}/api/v1/staff/transactions/{row['reference']}/attachments"
    photos = [
        {"href": f"{base}/{found.id}", "filename": found.filename, "image": found.content_type.startswith("image/")}
        for found in files
    ]
    shown = request_in_full(row, history, notes, visit.officer.subject, photos, offerings, services, uk_today())
    return visit.page(
        "staff/request.html",
        status=status,
        title=f"Request {shown.reference}",
        current="staff-queue",
        shown=shown,
        errors=errors or [],
        reason_max=REASON_MAX_LENGTH,
        note_max=NOTE_MAX_LENGTH,
        **values,
    )


DONE_MESSAGES = {
    "moved": "Status saved",
    "assigned": "Assignment saved",
    "noted": "Note added",
}


@get("/requests/{reference:str}")
async def staff_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], done: FromQuery[str | None] = None
) -> Response[Any]:
    return await _request_page(staff_visit, reference, done=DONE_MESSAGES.get(done or ""))


def _text_problems(name: str, label: str, text: str | None, limit: int) -> list[FieldError]:
    if text is None:
        return []
    if len(text) > limit:
        return [FieldError(name, f"{label} must be {limit:,} characters or fewer")]
    if "\x00" in text:
        return [FieldError(name, f"{label} must not contain control characters")]
    return []


@post("/requests/{reference:str}/status")
async def staff_move_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    to = form.get("status", "").strip()
    reason = form.get("reason", "").strip() or None
    errors = _text_problems("reason", "Reason", reason, REASON_MAX_LENGTH)
    if not to:
        errors.append(FieldError("status", "Select what happens next"))
    if not errors:
        services = visit.services
        try:
            async with tenant_connection(services.database.engine, visit.web.council) as connection:
                moved = await change_status(
                    connection,
                    visit.web.council,
                    reference,
                    to,
                    visit.casework_officer.name,
                    reason,
                    registry=services.registry,
                )
                await record_action(connection, visit.casework_officer, "moved", moved.reference, to=to)
        except TransactionNotFound:
            raise _not_found(visit.web.council.name, reference) from None
        except UnknownService:
            errors.append(FieldError("status", "This request's service is not installed, so it cannot be moved on"))
        except DecisionIncomplete:
            errors.append(FieldError("reason", "Enter a reason: the resident will read it"))
        except WorkflowError:
            errors.append(FieldError("status", "This request cannot move to that status now; choose another"))
        else:
            return visit.redirect(f"/staff/requests/{moved.reference}?done=moved")
    typed = {"status": to, "reason": reason or ""}
    return await _request_page(visit, reference, status=400, errors=errors, typed=typed)


@post("/requests/{reference:str}/assignee")
async def staff_assign_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """Take a request on ("me"), or give it back ("nobody")."""
    visit = staff_visit
    form = await visit.web.form()
    choice = form.get("assignee", "")
    if choice not in ("me", "nobody"):
        errors = [FieldError("assignee", "Choose who works on this request")]
        return await _request_page(visit, reference, status=400, errors=errors)
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        row = await find_by_reference(connection, reference, for_update=True)
        if row is None:
            raise _not_found(council.name, reference)
        officer = visit.casework_officer
        await assign(connection, row["id"], row["reference"], officer, officer if choice == "me" else None)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=assigned")


@post("/requests/{reference:str}/notes")
async def staff_add_note(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    note = form.get("note", "").strip()
    errors = _text_problems("note", "Note", note, NOTE_MAX_LENGTH)
    if not note:
        errors.append(FieldError("note", "Enter a note"))
    if errors:
        return await _request_page(visit, reference, status=400, errors=errors, typed_note=note)
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        row = await find_by_reference(connection, reference)
        if row is None:
            raise _not_found(council.name, reference)
        await add_note(connection, row["id"], row["reference"], visit.casework_officer, note)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=noted")


# -- the council's record of what its staff did ----------------------------------------------------------

ACTION_WORDS = {
    "viewed": "Opened",
    "moved": "Changed the status",
    "assigned": "Assigned",
    "noted": "Added a note",
    "keyed_in": "Made a request for someone who contacted us",
    "logged_contact": "Logged a contact",
}


@get("/audit")
async def staff_audit(
    staff_visit: NamedDependency[StaffVisit],
    reference: Annotated[str | None, QueryParameter(max_length=40)] = None,
) -> Response[Any]:
    """What each officer did, newest first (council administrators only)."""
    visit = staff_visit
    council = visit.web.council
    if not visit.officer.is_admin_of(council.slug):
        raise forbidden(f"Only administrators of {council.name} can read what its staff did.")
    wanted = normalise_reference(reference) if reference and reference.strip() else None
    async with tenant_connection(visit.services.database.engine, council) as connection:
        entries = await recent_actions(connection, reference=wanted, limit=AUDIT_PAGE)
    lines = [
        {
            "when": uk_date_time(entry.at),
            "who": entry.actor_name,
            "what": ACTION_WORDS.get(entry.action, entry.action),
            "reference": entry.reference,
            "detail": ", ".join(f"{key}: {value}" for key, value in entry.detail.items() if value is not None),
        }
        for entry in entries
    ]
    return visit.page(
        "staff/audit.html", title="What staff did", current="staff-audit", lines=lines, reference=wanted or ""
    )


STATE_KEY = "staff"


def back_office_router(handlers: list[Any]) -> Router:
    """Back-office pages under /staff, each handler given the officer's visit (staff of the council only)."""
    return Router(
        path="/staff",
        route_handlers=handlers,
        dependencies={"staff_visit": Provide(provide_staff_visit)},
        exception_handlers={_SignInFirst: sign_in_first},
        include_in_schema=False,
    )


staff_router = back_office_router(
    [
        staff_home,
        staff_queue,
        staff_request,
        staff_move_request,
        staff_assign_request,
        staff_add_note,
        staff_audit,
    ]
)
