"""The contact log: an officer records, in a few seconds, someone who got in touch without making a
request (chasing one, asking for information, the wrong council, a complaint), by service, channel and
reason. Each entry adds to the day's offline contacts in the savings figures (`savings.contact_log`)
and is recorded in the council's record of what its staff did. The page lists the day's entries.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from civicshare.casework.service import record_action
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.policy import Permission, requires
from civicshare.savings.channels import Channel
from civicshare.savings.contact_log import REASON_NAMES, LoggedContact, contacts_logged_on, log_contact
from civicshare.staff.assisted import STAFFED_CHANNELS, channel_options, service_options, worked_on
from civicshare.staff.visit import StaffVisit
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import find_by_reference
from civicshare.web.questions import Option
from civicshare.web.service import CHANNEL_NAMES, LONDON
from civicshare.web.site import FieldError

MOST_AT_ONCE = 100  # a queue of callers asking the same thing is logged as one entry


def _count_problem(text: str) -> str | None:
    if not re.fullmatch(r"[0-9]{1,6}", text):
        return "Number of contacts must be a whole number, like 1"
    if not 1 <= int(text) <= MOST_AT_ONCE:
        return f"Number of contacts must be between 1 and {MOST_AT_ONCE}"
    return None


async def _log_page(visit: StaffVisit, **values: Any) -> Response[Any]:
    council = visit.web.council
    offerings: CouncilOfferings = await visit.services.offerings.for_council(council)
    async with tenant_connection(visit.services.database.engine, council) as connection:
        entries = await contacts_logged_on(connection, uk_today())
    titles = {offering.code: offering.title for offering in offerings}
    lines = [
        {
            "time": f"{entry.logged_at.astimezone(LONDON):%H:%M}",
            "service": titles.get(entry.contact.service, entry.contact.service),
            "channel": CHANNEL_NAMES.get(entry.contact.channel.value, entry.contact.channel.value),
            "reason": REASON_NAMES.get(entry.contact.reason, entry.contact.reason),
            "reference": entry.contact.reference or "",
            "count": entry.contact.count,
            "officer": entry.officer_name,
        }
        for entry in entries
    ]
    return visit.page(
        "staff/contacts.html",
        status=400 if values.get("errors") else 200,
        title="Log a contact",
        current="staff-contacts",
        service_options=service_options(visit, offerings),
        channel_options=channel_options(),
        reason_options=[Option(value, label) for value, label in REASON_NAMES.items()],
        lines=lines,
        logged_today=sum(line["count"] for line in lines),
        **{"typed": {"count": "1"}, "errors": [], **values},
    )


@get("/contacts", opt=requires(Permission.EDIT_SAVINGS_INPUTS))
async def contact_log(staff_visit: NamedDependency[StaffVisit], done: FromQuery[str] = "") -> Response[Any]:
    return await _log_page(staff_visit, done=done == "logged")


@post("/contacts", opt=requires(Permission.EDIT_SAVINGS_INPUTS))
async def log_a_contact(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    visit = staff_visit
    council = visit.web.council
    form = await visit.web.form()
    typed = {name: form.get(name, "").strip() for name in ("service", "channel", "reason", "reference", "count")}
    offerings: CouncilOfferings = await visit.services.offerings.for_council(council)
    errors = []
    if worked_on(visit, offerings, typed["service"]) is None:
        errors.append(FieldError("service", "Select the service they contacted us about"))
    if typed["channel"] not in STAFFED_CHANNELS:
        errors.append(FieldError("channel", "Select how they contacted us"))
    if typed["reason"] not in REASON_NAMES:
        errors.append(FieldError("reason", "Select why they contacted us"))
    if problem := _count_problem(typed["count"]):
        errors.append(FieldError("count", problem))
    reference = normalise_reference(typed["reference"]) if typed["reference"] else None
    async with tenant_connection(visit.services.database.engine, council) as connection:
        if reference is not None and (len(reference) > 32 or await find_by_reference(connection, reference) is None):
            message = f"{council.name} has no request {reference[:32]}: check the reference, or leave it blank"
            errors.append(FieldError("reference", message))
        if not errors:
            contact = LoggedContact(
                typed["service"], Channel(typed["channel"]), typed["reason"], int(typed["count"]), reference
            )
            officer = visit.casework_officer
            await log_contact(
                connection, contact, day=uk_today(), officer_subject=officer.subject, officer_name=officer.name
            )
            await record_action(
                connection,
                officer,
                "logged_contact",
                reference,
                service=contact.service,
                channel=contact.channel.value,
                reason=contact.reason,
                count=contact.count,
            )
    if errors:
        return await _log_page(visit, typed=typed, errors=errors)
    return visit.redirect("/staff/contacts?done=logged")


HANDLERS = [contact_log, log_a_contact]
