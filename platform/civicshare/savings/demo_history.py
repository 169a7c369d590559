"""A demo request's life: the moves it made through its own service's workflow, and when.

Each demo transaction walks its workflow from the first status, one allowed transition at a time, the
way the platform would have moved it: a payment is settled by the payment provider within minutes of
the request, staff then work on it (most within the service level agreement, some late), and a closing
move records who decided and why, as `transactions.status.change_status` does. Moves that would fall
after `now` have not happened yet, so recent requests are still open; a few old ones were never dealt
with and are overdue. The same random generator gives the same lives.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from civicshare.modules import Workflow, due_date

PAYMENTS_ACTOR = "payments"  # who settles a payment, as in `transactions.payments`
AWAITING_PAYMENT = "awaiting_payment"
PAYMENT_FAILED = "payment_failed"
DEMO_STAFF = ("Sam Patel", "Alex Morgan", "Jo Okafor", "Priya Shah", "Chris Evans")
LATE_SHARE = 0.12
"""Of the requests staff deal with, the share finished after the service level agreement."""
FORGOTTEN_SHARE = 0.02
"""Requests nobody has dealt with yet, however old (they show as overdue)."""
_NO_SLA_DAYS = 10


@dataclass(frozen=True)
class Move:
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime


@dataclass(frozen=True)
class DemoLife:
    moves: tuple[Move, ...]
    due_on: date | None

    @property
    def status(self) -> str:
        return self.moves[-1].to_status

    @property
    def updated_at(self) -> datetime:
        return self.moves[-1].at


def _weight(workflow: Workflow, option: str, options: Sequence[str]) -> float:
    """How likely a move is: the workflow's first good ending most, work in progress next, the rest rarely."""
    in_progress = [state for state in options if state not in workflow.closing]
    if option == _first_good_ending(workflow):
        return 6.0
    if in_progress and option == in_progress[0]:
        return 4.0 if workflow.sla_working_days else 0.5  # payments rarely fail; staff work often takes a step
    return 1.0 if option in workflow.rejecting else 0.5


def _path(workflow: Workflow, rng: random.Random, *, finish: bool) -> list[str]:
    """The statuses after the first one, each an allowed move from the one before."""
    path, status, seen = [], workflow.initial, {workflow.initial}
    while status not in workflow.closing:
        options = [state for state in workflow.states if state in workflow.allowed_from(status) and state not in seen]
        if not finish:
            options = [state for state in options if state not in workflow.closing]
        if not options:
            break
        status = rng.choices(options, weights=[_weight(workflow, option, options) for option in options])[0]
        path.append(status)
        seen.add(status)
    return path


def _note(workflow: Workflow, to_status: str, by_payments: bool) -> str | None:
    if by_payments:
        if to_status == PAYMENT_FAILED:
            return "Payment declined: no money was taken"
        if to_status in workflow.closing and to_status != _first_good_ending(workflow):
            return "Payment not finished: no money was taken"
        return "Payment received"
    if to_status in workflow.rejecting:
        return "Not something the council can act on; we have written to explain why"
    if to_status in workflow.closing:
        if to_status == _first_good_ending(workflow):
            return f"{workflow.label(to_status)}: dealt with by the team"
        return f"{workflow.label(to_status)} at the resident's request"
    return None


def _first_good_ending(workflow: Workflow) -> str | None:
    return next((state for state in workflow.states if state in workflow.closing - workflow.rejecting), None)


def demo_life(
    workflow: Workflow, created_at: datetime, now: datetime, rng: random.Random, *, sla_working_days: int | None
) -> DemoLife:
    """How a request made at `created_at` has moved through `workflow` by `now`."""
    due_on = due_date(created_at, sla_working_days) if sla_working_days else None
    forgotten = rng.random() < FORGOTTEN_SHARE
    path = _path(workflow, rng, finish=not forgotten)
    allowed_days = (sla_working_days or _NO_SLA_DAYS) * 7 / 5
    late = rng.random() < LATE_SHARE
    takes = timedelta(days=allowed_days * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.1, 0.95)))
    staff = rng.choice(DEMO_STAFF)
    moves = [Move(None, workflow.initial, "resident", None, created_at)]
    at = created_at
    staff_moves = sum(1 for before in [workflow.initial, *path[:-1]] if before != AWAITING_PAYMENT) or 1
    for to_status in path:
        by_payments = moves[-1].to_status == AWAITING_PAYMENT or to_status == PAYMENT_FAILED
        at += timedelta(minutes=rng.uniform(2, 20)) if by_payments else takes / staff_moves
        if at > now:
            break  # not happened yet: the request is still at its last status
        moves.append(Move(moves[-1].to_status, to_status, PAYMENTS_ACTOR if by_payments else staff,
                          _note(workflow, to_status, by_payments), at))  # fmt: skip
    return DemoLife(tuple(moves), due_on)
