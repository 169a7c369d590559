"""The colour of a status tag, the same on tracking, My requests and the staff pages (GOV.UK tag colours).

Five meanings, whatever the council calls its statuses: received (blue), in progress (light blue),
waiting for the resident or a payment (yellow), done: fixed, approved, paid (green), closed without
what was asked: rejected, refused, withdrawn, cancelled (grey); a failed payment is red. The shared
workflows' statuses are named below; a module's own statuses take their meaning from its workflow
(its first status is received, closing ones done, rejecting ones closed, paused ones waiting).
"""

from __future__ import annotations

from enum import StrEnum

from civicshare.modules import Workflow


class TagColour(StrEnum):
    RECEIVED = "blue"
    IN_PROGRESS = "light-blue"
    WAITING = "yellow"
    DONE = "green"
    CLOSED = "grey"
    FAILED = "red"


KNOWN: dict[str, TagColour] = {
    "submitted": TagColour.RECEIVED,
    "received": TagColour.RECEIVED,
    "in_progress": TagColour.IN_PROGRESS,
    "under_review": TagColour.IN_PROGRESS,
    "awaiting_resident": TagColour.WAITING,
    "awaiting_payment": TagColour.WAITING,
    "resolved": TagColour.DONE,
    "fixed": TagColour.DONE,
    "completed": TagColour.DONE,
    "approved": TagColour.DONE,
    "paid": TagColour.DONE,
    "rejected": TagColour.CLOSED,
    "refused": TagColour.CLOSED,
    "withdrawn": TagColour.CLOSED,
    "cancelled": TagColour.CLOSED,
    "closed": TagColour.CLOSED,
    "payment_failed": TagColour.FAILED,
}


def tag_colour(status: str, workflow: Workflow | None = None) -> str:
    """The GOV.UK tag modifier (`govuk-tag--<colour>`) for a status."""
    if status in KNOWN:
        return KNOWN[status].value
    if workflow is not None and status in workflow.states:
        if status in workflow.rejecting:
            return TagColour.CLOSED.value
        if status in workflow.closing:
            return TagColour.DONE.value
        if status in workflow.paused:
            return TagColour.WAITING.value
        if status == workflow.initial:
            return TagColour.RECEIVED.value
    return TagColour.IN_PROGRESS.value if workflow is not None and status in workflow.states else TagColour.CLOSED.value
