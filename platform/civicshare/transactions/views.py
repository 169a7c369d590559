"""How a transaction is shown, and the problems its endpoints answer with, shared by every interface
(resident API, staff API, council websites)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import CouncilOfferings
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.modules import (
    DecisionIncomplete,
    ModuleRegistry,
    UnknownService,
    UnknownStatus,
    Workflow,
    WorkflowError,
)
from civicshare.transactions.schemas import CouncilUpdate, Decision, PaymentState, StatusChange, TrackedTransaction
from civicshare.transactions.service import status_history
from civicshare.transactions.updates import public_updates_of


def staff_name(staff: Principal) -> str:
    """Who decided, as the resident will read it."""
    return staff.name or staff.email or staff.subject


def validation_problem(errors: Mapping[str, str]) -> Problem:
    return Problem(
        422,
        "There is a problem",
        "Some answers need to be corrected.",
        name="validation",
        extra={"errors": [{"field": name, "message": message} for name, message in errors.items()]},
    )


def transaction_not_found() -> Problem:
    # The same answer whether the reference is unknown or the email differs: nothing leaks.
    return Problem(
        404,
        "Request not found",
        "No request matches that reference and email address.",
        name="transaction-not-found",
    )


def payment_unavailable(reference: str, what_happened: str) -> Problem:
    """The payment provider failed us: the request is saved, nothing was taken, try again shortly."""
    return Problem(
        503,
        "Payments are not available",
        f"Your request {reference} is saved. {what_happened}",
        name="payment-unavailable",
        headers={"retry-after": "30"},
        extra={"reference": reference},
    )


def refused_move(error: Exception) -> Problem:
    """The problem a refused status change answers with, whoever asked for it (staff or a system):
    from `change_status`'s UnknownService or WorkflowError (TransactionNotFound is the caller's)."""
    if isinstance(error, UnknownService):
        return Problem(
            409, "Service not installed", "This request's service is not installed on the platform.", name="conflict"
        )
    if isinstance(error, DecisionIncomplete):
        return validation_problem({"reason": str(error)})
    if isinstance(error, UnknownStatus):
        return validation_problem({"status": str(error)})
    if isinstance(error, WorkflowError):
        return Problem(409, "Status change not allowed", str(error), name="status-change-not-allowed")
    raise error


NOT_STARTED = "We could not start your payment, and no money was taken. Please try again in a few minutes."
NOT_KNOWN_YET = (
    "We could not find out from the payment provider how your payment went. Try this page again in a minute."
)


class KnowsModules(Protocol):
    """What showing a transaction needs of the platform: its module registry (`PlatformServices` has it)."""

    @property
    def registry(self) -> ModuleRegistry: ...


class Wording:
    """Status words for a transaction's service at this council, even if the module was switched off."""

    def __init__(self, offerings: CouncilOfferings, services: KnowsModules, service_code: str) -> None:
        self.offering = offerings.offering(service_code)
        self.workflow: Workflow | None = None
        self.title = service_code
        if self.offering is not None:
            self.workflow = self.offering.service.workflow
            self.title = self.offering.title
        else:
            try:
                _, service = services.registry.service(service_code)
                self.workflow, self.title = service.workflow, service.title
            except UnknownService:
                pass

    def label(self, status: str) -> str:
        if self.workflow is None or status not in self.workflow.states:  # e.g. recorded before a workflow change
            return status.replace("_", " ").capitalize()
        if self.offering is not None:
            return self.offering.status_label(status)
        return self.workflow.label(status)


async def tracked_view(
    connection: AsyncConnection,
    offerings: CouncilOfferings,
    services: KnowsModules,
    row: dict[str, Any],
    *,
    for_staff: bool = False,
) -> TrackedTransaction:
    """What a resident sees when they track a transaction: status in the council's words, history, decision,
    with only the reasons and notes staff chose to show them. ``for_staff`` keeps the internal ones too."""
    history = await status_history(connection, row["id"])
    updates = [(update.body, update.at) for update in await public_updates_of(connection, row["id"])]
    return tracked_shape(Wording(offerings, services, row["service"]), row, history, updates, for_staff=for_staff)


def tracked_shape(
    wording: Wording,
    row: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    updates: Iterable[tuple[str, datetime]],
    *,
    for_staff: bool = False,
) -> TrackedTransaction:
    """`tracked_view` of a transaction whose history (oldest first) and public updates are read already."""
    return TrackedTransaction(
        reference=row["reference"],
        service=row["service"],
        service_title=wording.title,
        status=row["status"],
        status_label=wording.label(row["status"]),
        channel=row["channel"],
        submitted_at=row["created_at"],
        due_on=row["due_on"],
        decision=Decision(
            row["decided_by"],
            row["decision_reason"] if row["decision_public"] or for_staff else None,
            row["decision_public"],
        )
        if row["decided_by"]
        else None,
        payment=PaymentState(row["payment_status"], row["fee_pence"]) if row["fee_pence"] else None,
        history=[
            StatusChange(
                event["to_status"],
                wording.label(event["to_status"]),
                event["created_at"],
                event["note"] if event["note_public"] or for_staff else None,
            )
            for event in history
        ],
        derived=dict(row["derived"] or {}),
        updates=[CouncilUpdate(body, at) for body, at in updates],
    )
