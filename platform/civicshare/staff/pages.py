"""The back office's casework pages: the staff home, the queue, one request (moving it on, assigning it,
internal notes, public updates) and the council's record of what staff did.

Every query runs in the council's own schema. A status change goes through
`transactions.status.change_status`, as the staff API's does.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from markupsafe import Markup

from civicshare.casework import saved_filters
from civicshare.casework.responses import find_template, templates_for
from civicshare.casework.service import (
    NOTE_MAX_LENGTH,
    add_note,
    assign,
    duplicate_closing_status,
    duplicate_reason,
    mark_duplicate,
    notes_of,
    recent_actions,
    record_action,
    related_requests,
)
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection, tenant_reading
from civicshare.http.heavy_lane import heavy
from civicshare.http.problems import Problem
from civicshare.modules import DecisionIncomplete, UnknownService, WorkflowError
from civicshare.modules.working_days import uk_today
from civicshare.places.transfer import transfers_of
from civicshare.policy import Permission, requires
from civicshare.staff.filters import (
    ASSIGNEE_OPTIONS,
    CHANNEL_OPTIONS,
    DUE_OPTIONS,
    STATE_OPTIONS,
    Option,
    queue_request,
)
from civicshare.staff.queue import PAGE_SIZE, CountsKept, queue_counts, queue_page
from civicshare.staff.transfers import transfer_panel
from civicshare.staff.views import queue_rows, request_in_full
from civicshare.staff.visit import TEAMS_READ_BY_PAGE, StaffVisit, text_problems
from civicshare.transactions.attachments import list_attachments
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import find_by_reference, status_history
from civicshare.transactions.status import change_status
from civicshare.transactions.updates import PUBLIC_UPDATE_MAX_LENGTH, add_public_update, public_updates_of
from civicshare.transactions.views import Wording
from civicshare.web.pins import with_tile_images
from civicshare.web.service import uk_date_time
from civicshare.web.site import FieldError, errors_by_field

REASON_MAX_LENGTH = 2000
AUDIT_PAGE = 200


# -- home -----------------------------------------------------------------------------------------------


@get("/", opt=requires(Permission.VIEW_REQUESTS), middleware=[heavy()])
async def staff_home(staff_visit: NamedDependency[StaffVisit]) -> Response[Any]:
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    offerings: CouncilOfferings = await services.offerings.for_council(council)
    async with tenant_connection(services.database.engine, council) as connection:
        counts = await queue_counts(connection, uk_today(), visit.officer.subject, visit.allowed, visit.teams)
    by_status = []
    for service, status, count in counts.by_status:
        wording = Wording(offerings, services, service)
        query = urlencode({"service": service, "status": status})
        by_status.append({"service": wording.title, "status": wording.label(status), "count": count, "query": query})
    return visit.page("staff/home.html", title="Staff home", current="staff-home", counts=counts, by_status=by_status)


# -- the queue ------------------------------------------------------------------------------------------


@get("/requests", opt={**requires(Permission.VIEW_REQUESTS), TEAMS_READ_BY_PAGE: True}, middleware=[heavy()])
async def staff_queue(staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]) -> Response[Any]:
    """The officer's teams, the page of the queue, its count and the officer's saved filters: two
    statements, without a transaction around them (each reads its own snapshot, as in one at READ
    COMMITTED)."""
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    offerings = await services.offerings.for_council(council)  # before the connection: it may take one
    today = uk_today()
    async with tenant_reading(services.database.engine, council) as connection:
        await visit.read_teams(connection)
        asked = queue_request(visit, offerings, dict(request.query_params.items()))
        workable, statuses, read = asked.workable, asked.statuses, asked.read
        found = await queue_page(
            connection,
            read.wanted,
            page=read.page,
            today=today,
            me=visit.officer.subject,
            allowed=visit.allowed,
            my_teams=visit.teams,
            beside=saved_filters.filters_as_json(),
            beside_parameters=saved_filters.owner_parameters(visit.officer.subject),
            counts=CountsKept((council.id, council.schema), services.settings.queue_count_lag_seconds),
        )
    saved = saved_filters.from_json(found.beside)
    rows = queue_rows(found.rows, offerings, services, today, visit.team_names)
    kept = {key: value for key, value in read.typed.items() if value}

    def page_href(number: int) -> str:
        return visit.web.url("/staff/requests?" + urlencode({**kept, "page": str(number)}))

    status_options = (
        Option("", "Any status"),
        *(Option(value, label) for value, label in sorted(statuses.items(), key=lambda item: item[1])),
    )
    fragments = visit.pages.fragments
    filter_form = fragments.render(
        "staff/_queue_filter.html",
        root=visit.web.root,
        typed=read.typed,
        field_errors=errors_by_field(read.errors),
        wanted=read.wanted,
        state_options=STATE_OPTIONS,
        service_options=(Option("", "All services"), *(Option(o.code, o.title) for o in workable)),
        status_options=status_options,
        channel_options=CHANNEL_OPTIONS,
        due_options=DUE_OPTIONS,
        assignee_options=ASSIGNEE_OPTIONS,
        team_options=(
            Option("", "Any team or none"),
            Option("mine", "My teams"),
            *(Option(str(team_id), name) for team_id, name in visit.team_names.items()),
        ),
    )
    return visit.page(
        "staff/queue.html",
        status=400 if read.errors else 200,
        title="Requests",
        current="staff-queue",
        errors=read.errors,
        wanted=read.wanted,
        found=found,
        rows=rows,
        table_rows=Markup("").join(
            visit.pages.rows.render("staff/_queue_row.html", root=visit.web.root, number=number, row=row)
            for number, row in enumerate(rows, 1)
        ),
        first_shown=(found.page - 1) * PAGE_SIZE + 1 if found.total else 0,
        last_shown=min(found.page * PAGE_SIZE, found.total),
        page_href=page_href,
        saved=saved,
        export_href=visit.web.url("/staff/requests.csv" + (f"?{urlencode(kept)}" if kept else "")),
        query_now=urlencode(kept),
        filter_form=filter_form,
        bulk_change=fragments.render("staff/_queue_bulk_change.html", status_options=status_options) if rows else "",
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
        row = await visit.request_row(connection, reference)
        history = await status_history(connection, row["id"])
        notes = await notes_of(connection, row["id"])
        files = await list_attachments(connection, row["id"])
        templates = await templates_for(connection, row["service"])
        related = await related_requests(connection, row)
        council_updates = await public_updates_of(connection, row["id"])
        links = await transfers_of(connection, row["id"])
        if status == 200:
            await record_action(connection, visit.casework_officer, "viewed", row["reference"])
    values = {**await transfer_panel(visit, row, links), **values}
    base = f"{visit.web.root}/api/v1/staff/transactions/{row['reference']}/attachments"
    photos = [
        {"href": f"{base}/{found.id}", "filename": found.filename, "image": found.content_type.startswith("image/")}
        for found in files
    ]
    shown = request_in_full(row, history, notes, visit.officer.subject, photos, offerings, services, uk_today())
    page = visit.page(
        "staff/request.html",
        status=status,
        title=f"Request {shown.reference}",
        current="staff-queue",
        shown=shown,
        errors=errors or [],
        reason_max=REASON_MAX_LENGTH,
        note_max=NOTE_MAX_LENGTH,
        update_max=PUBLIC_UPDATE_MAX_LENGTH,
        templates=templates,
        related=queue_rows(related, offerings, services, uk_today(), visit.team_names),
        council_updates=[(uk_date_time(update.at), update.author, update.body) for update in council_updates],
        team_name=visit.team_names.get(row["assigned_team_id"]),
        **values,
    )
    return with_tile_images(page, visit.web)


DONE_MESSAGES = {
    "duplicate": "Closed as a duplicate",
    "transferred": "Sent to the other council",
    "moved": "Status saved",
    "assigned": "Assignment saved",
    "noted": "Note added",
    "updated": "Public update added",
}


@get("/requests/{reference:str}", opt=requires(Permission.VIEW_REQUESTS))
async def staff_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], done: FromQuery[str | None] = None
) -> Response[Any]:
    return await _request_page(staff_visit, reference, done=DONE_MESSAGES.get(done or ""))


async def _template_text(visit: StaffVisit, chosen: str) -> str | None:
    if not chosen.isdecimal() or len(chosen) > 18:
        return None
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        found = await find_template(connection, int(chosen))
    return found.body if found is not None else None


@post("/requests/{reference:str}/status", opt=requires(Permission.CHANGE_REQUESTS))
async def staff_move_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    to = form.get("status", "").strip()
    reason = form.get("reason", "").strip() or None
    reason_public = form.get("reason_public") == "yes"
    chosen = form.get("template", "").strip()
    errors = text_problems("reason", "Reason", reason, REASON_MAX_LENGTH)
    if reason is None and chosen:  # a template chosen and nothing typed: the template's words are the reason
        reason = await _template_text(visit, chosen)
        if reason is None:
            errors.append(FieldError("template", "That response template is no longer there; choose another"))
    if not to:
        errors.append(FieldError("status", "Select what happens next"))
    if not errors:
        services = visit.services
        try:
            async with tenant_connection(services.database.engine, visit.web.council) as connection:
                await visit.request_row(connection, reference, for_update=True)
                moved = await change_status(
                    connection,
                    visit.web.council,
                    reference,
                    to,
                    visit.casework_officer.name,
                    reason,
                    reason_public=reason_public and reason is not None,
                    registry=services.registry,
                    offerings=await services.offerings.for_council(visit.web.council),
                )
                await record_action(connection, visit.casework_officer, "moved", moved.reference, to=to)
        except TransactionNotFound:
            raise _not_found(visit.web.council.name, reference) from None
        except UnknownService:
            errors.append(FieldError("status", "This request's service is not installed, so it cannot be moved on"))
        except DecisionIncomplete:
            errors.append(FieldError("reason", "Enter a reason for this decision"))
        except WorkflowError:
            errors.append(FieldError("status", "This request cannot move to that status now; choose another"))
        else:
            return visit.redirect(f"/staff/requests/{moved.reference}?done=moved")
    typed = {"status": to, "reason": form.get("reason", ""), "template": chosen, "reason_public": reason_public}
    return await _request_page(visit, reference, status=400, errors=errors, typed=typed)


@post("/requests/{reference:str}/assignee", opt=requires(Permission.CHANGE_REQUESTS))
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
        row = await visit.request_row(connection, reference, for_update=True)
        officer = visit.casework_officer
        await assign(connection, row["id"], row["reference"], officer, officer if choice == "me" else None)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=assigned")


@post("/requests/{reference:str}/notes", opt=requires(Permission.CHANGE_REQUESTS))
async def staff_add_note(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    note = form.get("note", "").strip()
    errors = text_problems("note", "Note", note, NOTE_MAX_LENGTH)
    if not note:
        errors.append(FieldError("note", "Enter a note"))
    if errors:
        return await _request_page(visit, reference, status=400, errors=errors, typed_note=note)
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        row = await visit.request_row(connection, reference)
        await add_note(connection, row["id"], row["reference"], visit.casework_officer, note)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=noted")


@post("/requests/{reference:str}/updates", opt=requires(Permission.CHANGE_REQUESTS))
async def staff_add_public_update(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """A public update: the resident reads it when tracking the request, and is emailed it."""
    visit = staff_visit
    form = await visit.web.form()
    text = form.get("update", "").strip()
    errors = text_problems("update", "Update", text, PUBLIC_UPDATE_MAX_LENGTH)
    if not text:
        errors.append(FieldError("update", "Enter the update the resident will read"))
    if errors:
        return await _request_page(visit, reference, status=400, errors=errors, typed_update=text)
    council = visit.web.council
    officer = visit.casework_officer
    async with tenant_connection(visit.services.database.engine, council) as connection:
        row = await visit.request_row(connection, reference)
        await add_public_update(connection, row["reference"], text, officer.name)
        await record_action(connection, officer, "public-update", row["reference"])
    return visit.redirect(f"/staff/requests/{row['reference']}?done=updated")


@post("/requests/{reference:str}/duplicate", opt=requires(Permission.CHANGE_REQUESTS))
async def staff_mark_duplicate(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """Close a request as the same as another of this council's: the resident is pointed to that one."""
    visit = staff_visit
    council = visit.web.council
    services = visit.services
    form = await visit.web.form()
    original = normalise_reference(form.get("original", ""))
    errors: list[FieldError] = []
    if not original:
        errors.append(FieldError("original", "Enter the reference of the request this one repeats"))
    async with tenant_connection(services.database.engine, council) as connection:
        row = await visit.request_row(connection, reference, for_update=True)
        if original and not errors:
            first = await find_by_reference(connection, original)
            if first is None:
                errors.append(FieldError("original", f"{council.name} has no request {original}"))
            elif first["id"] == row["id"]:
                errors.append(FieldError("original", "Enter another request's reference, not this one's"))
        offerings = await services.offerings.for_council(council)
        workflow = Wording(offerings, services, row["service"]).workflow
        closing = duplicate_closing_status(workflow, row["status"]) if workflow else None
        if closing is None:
            errors.append(FieldError("original", "This request cannot be closed from its status"))
        if not errors:
            assert closing is not None
            await change_status(
                connection, council, reference, closing, visit.casework_officer.name, duplicate_reason(original),
                reason_public=True,  # the platform's own words, pointing the resident to the original
                registry=services.registry, offerings=offerings,
            )  # fmt: skip
            await mark_duplicate(connection, visit.casework_officer, row["id"], row["reference"], original)
    if errors:
        return await _request_page(visit, reference, status=400, errors=errors, typed_original=original)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=duplicate")


request_page = _request_page  # for the other request actions' modules (staff.transfers)


# -- the council's record of what its staff did ----------------------------------------------------------

ACTION_WORDS = {
    "viewed": "Opened",
    "moved": "Changed the status",
    "assigned": "Assigned",
    "noted": "Added a note",
    "duplicate": "Closed as a duplicate",
    "transferred": "Sent the request to another council",
    "transferred_in": "Received the request from another council",
    "keyed_in": "Made a request for someone who contacted us",
    "logged_contact": "Logged a contact",
    "public-update": "Added an update for the resident",
    "external-reference": "Recorded its own reference for the request",
    "system-key-created": "Created a key for a connected system",
    "system-key-revoked": "Revoked a connected system's key",
    "system-key-refused": "A connected system's key was refused",
    "webhook.registered": "Registered a webhook endpoint",
    "webhook.changed": "Changed a webhook endpoint",
    "webhook.secret_rotated": "Made a new webhook secret",
    "webhook.disabled": "Disabled a webhook endpoint",
    "webhook.enabled": "Enabled a webhook endpoint",
    "webhook.removed": "Removed a webhook endpoint",
    "webhook.redelivered": "Sent a webhook event again",
}


@get("/audit", opt=requires(Permission.MANAGE_COUNCIL))
async def staff_audit(
    staff_visit: NamedDependency[StaffVisit],
    reference: Annotated[str | None, QueryParameter(max_length=40)] = None,
) -> Response[Any]:
    """What each officer did, newest first (council administrators only)."""
    visit = staff_visit
    council = visit.web.council
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


HANDLERS = [
    staff_home,
    staff_queue,
    staff_request,
    staff_move_request,
    staff_assign_request,
    staff_add_note,
    staff_add_public_update,
    staff_mark_duplicate,
    staff_audit,
]
