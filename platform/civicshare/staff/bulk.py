"""Bulk actions on the queue: the requests an officer ticked, assigned or moved on together.

Each request is changed (and audited) on its own terms: a status its workflow does not allow from where
it is, or a request that is gone, is refused for that request alone and listed on the result page; the
others are changed. All of it commits together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Response, post
from litestar.di import NamedDependency

from civicshare.casework.service import assign, record_action
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.modules import DecisionIncomplete, UnknownService, WorkflowError
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.status import change_status
from civicshare.transactions.views import Wording
from civicshare.web.site import FieldError

MOST_AT_ONCE = 100
REASON_MAX_LENGTH = 2000
ACTIONS = ("assign-me", "unassign", "move")


@dataclass(frozen=True)
class Outcome:
    reference: str
    done: bool
    words: str


def _problem_page(visit: StaffVisit, errors: list[FieldError]) -> Response[Any]:
    return visit.page("staff/bulk_result.html", status=400, title="Change several requests", errors=errors, outcomes=[])


@post("/requests/bulk", opt=requires(Permission.CHANGE_REQUESTS))
async def bulk_change(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.request.form()
    references = list(dict.fromkeys(str(value).strip() for value in form.getall("reference", []) if str(value).strip()))
    action = str(form.get("action") or "")
    to = str(form.get("status") or "").strip()
    reason = str(form.get("reason") or "").strip() or None
    reason_public = form.get("reason_public") == "yes" and reason is not None
    errors = text_problems("reason", "Reason", reason, REASON_MAX_LENGTH)
    if not references:
        errors.append(FieldError("reference", "Select at least one request"))
    elif len(references) > MOST_AT_ONCE:
        errors.append(FieldError("reference", f"Select {MOST_AT_ONCE} requests or fewer at once"))
    if action not in ACTIONS:
        errors.append(FieldError("action", "Choose what to do with the selected requests"))
    elif action == "move" and not to:
        errors.append(FieldError("status", "Select the status to move the requests to"))
    if any("\x00" in reference or len(reference) > 40 for reference in references):
        errors.append(FieldError("reference", "Select requests from the list"))
    if errors:
        return _problem_page(visit, errors)

    council = visit.web.council
    services = visit.services
    officer = visit.casework_officer
    offerings: CouncilOfferings = await services.offerings.for_council(council)
    outcomes: list[Outcome] = []
    async with tenant_connection(services.database.engine, council) as connection:
        for reference in references:
            found = await find_by_reference(connection, reference, for_update=True)
            if found is None:
                outcomes.append(Outcome(reference, False, "There is no such request"))
                continue
            if not visit.may_work_on(found["service"]):
                outcomes.append(Outcome(found["reference"], False, "Your team does not work on this service"))
                continue
            if action == "move":
                try:
                    moved = await change_status(
                        connection,
                        council,
                        reference,
                        to,
                        officer.name,
                        reason,
                        reason_public=reason_public,
                        registry=services.registry,
                        offerings=offerings,
                    )
                except TransactionNotFound:
                    outcomes.append(Outcome(reference, False, "There is no such request"))
                    continue
                except UnknownService:
                    outcomes.append(Outcome(reference, False, "Its service is not installed"))
                    continue
                except DecisionIncomplete:
                    outcomes.append(Outcome(reference, False, "Needs a reason"))
                    continue
                except WorkflowError as refused:
                    outcomes.append(Outcome(reference, False, f"Not moved: {refused}"))
                    continue
                await record_action(connection, officer, "moved", moved.reference, to=to, bulk=True)
                label = Wording(offerings, services, moved.service).label(moved.change.to_status)
                outcomes.append(Outcome(moved.reference, True, f"Now {label.lower()}"))
            else:
                row = await find_by_reference(connection, reference, for_update=True)
                if row is None:
                    outcomes.append(Outcome(reference, False, "There is no such request"))
                    continue
                await assign(
                    connection, row["id"], row["reference"], officer, officer if action == "assign-me" else None
                )
                outcomes.append(
                    Outcome(row["reference"], True, "Assigned to you" if action == "assign-me" else "Unassigned")
                )
    return visit.page(
        "staff/bulk_result.html",
        title="Change several requests",
        outcomes=outcomes,
        changed=sum(1 for outcome in outcomes if outcome.done),
        errors=[],
    )


HANDLERS = [bulk_change]
