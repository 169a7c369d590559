"""Shared workflows that several services reuse; councils relabel their statuses in settings."""

from __future__ import annotations

from civicshare.modules.workflow import Workflow


def report_workflow(*, sla_working_days: int) -> Workflow:
    """A problem reported to the council ("Report it"): pothole, streetlight, missed bin."""
    return Workflow(
        states=("submitted", "in_progress", "resolved", "rejected"),
        initial="submitted",
        transitions={
            "submitted": frozenset({"in_progress", "resolved", "rejected"}),
            "in_progress": frozenset({"resolved", "rejected"}),
        },
        closing=frozenset({"resolved", "rejected"}),
        rejecting=frozenset({"rejected"}),
        labels={
            "submitted": "Received",
            "in_progress": "In progress",
            "resolved": "Fixed",
            "rejected": "Closed without action",
        },
        sla_working_days=sla_working_days,
    )


_APPLICATION_LABELS = {
    "awaiting_payment": "Waiting for payment",
    "submitted": "Received",
    "under_review": "Being checked",
    "awaiting_resident": "Waiting for your reply",
    "approved": "Approved",
    "refused": "Refused",
    "withdrawn": "Withdrawn",
}


def application_workflow(*, sla_working_days: int, paid: bool = False) -> Workflow:
    """An application the council decides on: a permit, a discount, a bin, an inspection.

    Paid applications start awaiting payment and reach `submitted` once the payment succeeds. While the
    council waits for the resident's reply (evidence, a missing detail) the service level clock stops.
    """
    states: tuple[str, ...] = ("submitted", "under_review", "awaiting_resident", "approved", "refused", "withdrawn")
    transitions = {
        "submitted": frozenset({"under_review", "awaiting_resident", "approved", "refused", "withdrawn"}),
        "under_review": frozenset({"awaiting_resident", "approved", "refused", "withdrawn"}),
        "awaiting_resident": frozenset({"under_review", "approved", "refused", "withdrawn"}),
    }
    if paid:
        states = ("awaiting_payment", *states)
        transitions["awaiting_payment"] = frozenset({"submitted", "withdrawn"})
    return Workflow(
        states=states,
        initial="awaiting_payment" if paid else "submitted",
        transitions=transitions,
        closing=frozenset({"approved", "refused", "withdrawn"}),
        rejecting=frozenset({"refused"}),
        labels={status: _APPLICATION_LABELS[status] for status in states},
        sla_working_days=sla_working_days,
        paused=frozenset({"awaiting_resident"}),
    )


def payment_workflow() -> Workflow:
    """An online-only payment (council tax, penalty charge): it is paid, or it is not."""
    return Workflow(
        states=("awaiting_payment", "paid", "payment_failed", "cancelled"),
        initial="awaiting_payment",
        transitions={
            "awaiting_payment": frozenset({"paid", "payment_failed", "cancelled"}),
            "payment_failed": frozenset({"awaiting_payment", "cancelled"}),
        },
        closing=frozenset({"paid", "cancelled"}),
        rejecting=frozenset(),
        labels={
            "awaiting_payment": "Waiting for payment",
            "paid": "Paid",
            "payment_failed": "Payment not taken",
            "cancelled": "Cancelled",
        },
        sla_working_days=None,
    )
