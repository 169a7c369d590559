"""Webhook endpoints in the back office (council administrators only): register one and see its secret
once, change it, rotate its secret, disable or enable it, remove it, read its delivery log and send an
event again. Plain forms: everything works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.db.engine import tenant_connection
from civicshare.notifications.events import EventKind
from civicshare.notifications.webhooks import endpoints
from civicshare.notifications.webhooks.config import secret_box, target_policy
from civicshare.notifications.webhooks.deliveries import attempts_of
from civicshare.notifications.webhooks.endpoints import DESCRIPTION_MAX_LENGTH, REASON_MAX_LENGTH, Endpoint
from civicshare.notifications.webhooks.targets import TargetRefused
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.staff.webhook_routes import endpoint_id_of, endpoint_not_found, redeliver_now
from civicshare.web.service import uk_date_time
from civicshare.web.site import FieldError

EVENT_NAMES = {
    EventKind.SUBMITTED: "A request is made",
    EventKind.STATUS_CHANGED: "A request's status changes",
    EventKind.PUBLIC_UPDATE: "A public update is added to a request",
    EventKind.TRANSFERRED: "A request is transferred to another council",
    EventKind.PAYMENT_SUCCEEDED: "A payment succeeds",
    EventKind.PAYMENT_FAILED: "A payment fails",
}
KNOWN_KINDS = frozenset(kind.value for kind in EventKind)
LOG_ON_PAGE = 50
DONE = {
    "changed": "Endpoint changed",
    "disabled": "Endpoint disabled: nothing is sent to it until it is enabled",
    "enabled": "Endpoint enabled",
    "removed": "Endpoint removed",
    "sent": "The event was sent again and the endpoint accepted it",
    "not-sent": "The event was sent again but the endpoint did not accept it: see the delivery log",
}


def _events_text(endpoint: Endpoint) -> str:
    if endpoint.event_types is None:
        return "Every event"
    return "; ".join(EVENT_NAMES[kind] for kind in endpoint.event_types)


def _event_options() -> list[dict[str, str]]:
    return [{"value": kind.value, "label": label, "hint": kind.value} for kind, label in EVENT_NAMES.items()]


async def _endpoint(visit: StaffVisit, endpoint_id: str) -> Endpoint:
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        found = await endpoints.find_endpoint(connection, endpoint_id_of(endpoint_id, council))
    if found is None:
        raise endpoint_not_found(council)
    return found


@get("/webhooks", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def webhook_endpoints(
    staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None
) -> Response[Any]:
    visit = staff_visit
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        found = await endpoints.list_endpoints(connection)
    return visit.page(
        "staff/webhooks.html",
        title="Webhooks",
        current="staff-webhooks",
        endpoints=[(endpoint, _events_text(endpoint)) for endpoint in found],
        done=DONE.get(done or ""),
    )


def _form_page(
    visit: StaffVisit, typed: dict[str, Any], *, endpoint_id: int | None = None, errors: list[FieldError] | None = None
) -> Response[Any]:
    return visit.page(
        "staff/webhook_form.html",
        status=400 if errors else 200,
        title="Change a webhook endpoint" if endpoint_id else "Register a webhook endpoint",
        current="staff-webhooks",
        typed=typed,
        endpoint_id=endpoint_id,
        errors=errors or [],
        event_options=_event_options(),
    )


@get("/webhooks/new", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def new_webhook_endpoint(staff_visit: NamedDependency[StaffVisit]) -> Response[Any]:
    return _form_page(staff_visit, {"url": "", "description": "", "events": []})


@get("/webhooks/{endpoint_id:str}/edit", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def edit_webhook_endpoint(staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str]) -> Response[Any]:
    found = await _endpoint(staff_visit, endpoint_id)
    events = [kind.value for kind in found.event_types] if found.event_types is not None else []
    typed = {"url": found.url, "description": found.description, "events": events}
    return _form_page(staff_visit, typed, endpoint_id=found.id)


async def _typed_endpoint(visit: StaffVisit) -> tuple[dict[str, Any], list[FieldError]]:
    form = await visit.web.request.form()
    url = str(form.get("url") or "").strip()
    description = str(form.get("description") or "").strip()
    events = [str(value) for value in form.getall("events")] if "events" in form else []
    typed = {"url": url, "description": description, "events": events}
    errors = text_problems("description", "Description", description, DESCRIPTION_MAX_LENGTH)
    if not url:
        errors.append(FieldError("url", "Enter the address events are sent to"))
    else:
        try:
            await target_policy(visit.services.settings).check(url)
        except TargetRefused as refused:
            errors.append(FieldError("url", f"The address {refused}"))
    if any(event not in KNOWN_KINDS for event in events):
        errors.append(FieldError("events", "Choose events from the list"))
    return typed, errors


def _kinds(typed: dict[str, Any]) -> tuple[EventKind, ...] | None:
    return tuple(EventKind(event) for event in typed["events"]) or None


def _secret_page(visit: StaffVisit, endpoint: Endpoint, secret: str, *, new: bool) -> Response[Any]:
    return visit.page(
        "staff/webhook_secret.html",
        title="Endpoint registered" if new else "New signing secret",
        current="staff-webhooks",
        endpoint=endpoint,
        secret=secret,
        new=new,
    )


@post("/webhooks/new", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def register_webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    typed, errors = await _typed_endpoint(visit)
    if errors:
        return _form_page(visit, typed, errors=errors)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        endpoint, secret = await endpoints.register(
            connection,
            secret_box(visit.services.settings),
            visit.casework_officer,
            url=typed["url"],
            description=typed["description"],
            event_types=_kinds(typed),
        )
    return _secret_page(visit, endpoint, secret, new=True)


@post("/webhooks/{endpoint_id:str}/edit", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def change_webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = endpoint_id_of(endpoint_id, visit.web.council)
    typed, errors = await _typed_endpoint(visit)
    if errors:
        return _form_page(visit, typed, endpoint_id=number, errors=errors)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        changed = await endpoints.change(
            connection,
            visit.casework_officer,
            number,
            url=typed["url"],
            description=typed["description"],
            event_types=_kinds(typed),
        )
    if changed is None:
        raise endpoint_not_found(visit.web.council)
    return visit.redirect(f"/staff/webhooks/{number}?done=changed")


def _detail_page(
    visit: StaffVisit,
    endpoint: Endpoint,
    log: list[Any],
    *,
    done: str | None = None,
    errors: list[FieldError] | None = None,
    reason: str = "",
) -> Response[Any]:
    lines = [
        {
            "id": attempt.id,
            "when": uk_date_time(attempt.attempted_at),
            "event_id": attempt.event_id,
            "event_type": attempt.event_type,
            "outcome": "Delivered" if attempt.delivered else "Failed",
            "delivered": attempt.delivered,
            "status_code": attempt.status_code,
            "duration_ms": attempt.duration_ms,
            "excerpt": attempt.response_excerpt or "",
            "error": attempt.error or "",
            "manual": attempt.manual,
        }
        for attempt in log
    ]
    return visit.page(
        "staff/webhook.html",
        status=400 if errors else 200,
        title=f"Webhook endpoint {endpoint.id}",
        current="staff-webhooks",
        endpoint=endpoint,
        events_text=_events_text(endpoint),
        lines=lines,
        done=DONE.get(done or ""),
        errors=errors or [],
        reason=reason,
        reason_max=REASON_MAX_LENGTH,
        since=uk_date_time(endpoint.failing_since) if endpoint.failing_since else None,
        last_success=uk_date_time(endpoint.last_success_at) if endpoint.last_success_at else None,
    )


async def _log(visit: StaffVisit, endpoint_id: int) -> list[Any]:
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        return list(await attempts_of(connection, endpoint_id, limit=LOG_ON_PAGE))


@get("/webhooks/{endpoint_id:str}", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], done: FromQuery[str | None] = None
) -> Response[Any]:
    found = await _endpoint(staff_visit, endpoint_id)
    return _detail_page(staff_visit, found, await _log(staff_visit, found.id), done=done)


@post("/webhooks/{endpoint_id:str}/rotate", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def rotate_webhook_secret(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = endpoint_id_of(endpoint_id, visit.web.council)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        rotated = await endpoints.rotate_secret(
            connection, secret_box(visit.services.settings), visit.casework_officer, number
        )
    if rotated is None:
        raise endpoint_not_found(visit.web.council)
    return _secret_page(visit, rotated[0], rotated[1], new=False)


@post("/webhooks/{endpoint_id:str}/disable", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def disable_webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    found = await _endpoint(visit, endpoint_id)
    reason = (await visit.web.form()).get("reason", "").strip()
    errors = text_problems("reason", "Reason", reason, REASON_MAX_LENGTH)
    if not reason:
        errors.append(FieldError("reason", "Enter why the endpoint is disabled, for the other administrators"))
    if errors:
        return _detail_page(visit, found, await _log(visit, found.id), errors=errors, reason=reason)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        await endpoints.disable(connection, visit.casework_officer, found.id, reason)
    return visit.redirect(f"/staff/webhooks/{found.id}?done=disabled")


@post("/webhooks/{endpoint_id:str}/enable", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def enable_webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = endpoint_id_of(endpoint_id, visit.web.council)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        if await endpoints.enable(connection, visit.casework_officer, number) is None:
            raise endpoint_not_found(visit.web.council)
    return visit.redirect(f"/staff/webhooks/{number}?done=enabled")


@post("/webhooks/{endpoint_id:str}/remove", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def remove_webhook_endpoint(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = endpoint_id_of(endpoint_id, visit.web.council)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        if not await endpoints.remove(connection, visit.casework_officer, number):
            raise endpoint_not_found(visit.web.council)
    return visit.redirect("/staff/webhooks?done=removed")


@post("/webhooks/{endpoint_id:str}/redeliver", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def redeliver_webhook(
    staff_visit: NamedDependency[StaffVisit], endpoint_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = endpoint_id_of(endpoint_id, visit.web.council)
    event_id = (await visit.web.form()).get("event_id", "")
    attempt = await redeliver_now(visit.services, visit.web.council, visit.officer, number, event_id)
    return visit.redirect(f"/staff/webhooks/{number}?done={'sent' if attempt.delivered else 'not-sent'}")


HANDLERS = [
    webhook_endpoints,
    new_webhook_endpoint,
    register_webhook_endpoint,
    webhook_endpoint,
    edit_webhook_endpoint,
    change_webhook_endpoint,
    rotate_webhook_secret,
    disable_webhook_endpoint,
    enable_webhook_endpoint,
    remove_webhook_endpoint,
    redeliver_webhook,
]
