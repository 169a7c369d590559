"""A service's workflow: the statuses a transaction moves through and who may close it, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class WorkflowError(ValueError):
    """A status change the workflow does not allow; the message is fit to show to staff."""


class UnknownStatus(WorkflowError):
    pass


class TransitionNotAllowed(WorkflowError):
    pass


class DecisionIncomplete(WorkflowError):
    """Closing or rejecting a transaction needs who decided and why."""


@dataclass(frozen=True)
class StatusChange:
    """One accepted change of status, ready for the transaction's history."""

    from_status: str
    to_status: str
    actor: str
    reason: str | None
    closes: bool
    rejects: bool


@dataclass(frozen=True, kw_only=True)
class Workflow:
    """Statuses, the allowed moves between them and the service level agreement.

    `closing` statuses end the transaction; `rejecting` statuses are closing statuses that turn the
    resident down. Moving into either needs an actor and a reason. `labels` are the default words
    residents see; councils relabel them through their settings' `state_labels`. In `paused` statuses
    the service level clock stands still: the council is waiting on the resident, not the other way round.
    """

    states: tuple[str, ...]
    initial: str
    transitions: Mapping[str, frozenset[str]]
    closing: frozenset[str] = frozenset()
    rejecting: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    sla_working_days: int | None = None
    paused: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        known = set(self.states)
        if len(known) != len(self.states):
            raise ValueError("workflow states must be unique")
        if self.initial not in known:
            raise ValueError(f"initial status {self.initial!r} is not one of the workflow's states")
        for origin, targets in self.transitions.items():
            unknown = ({origin} | set(targets)) - known
            if unknown:
                raise ValueError(f"transitions mention unknown statuses: {sorted(unknown)}")
        if not self.rejecting <= self.closing:
            raise ValueError("every rejecting status must also be a closing status")
        for status in self.closing:
            if self.transitions.get(status):
                raise ValueError(f"closing status {status!r} cannot lead anywhere")
        if not self.paused <= known:
            raise ValueError(f"paused statuses are not the workflow's: {sorted(self.paused - known)}")
        if self.paused & self.closing:
            raise ValueError("a closing status cannot pause the clock: it has stopped for good")
        if set(self.labels) - known:
            raise ValueError(f"labels for unknown statuses: {sorted(set(self.labels) - known)}")
        if self.sla_working_days is not None and self.sla_working_days < 1:
            raise ValueError("a service level agreement is at least one working day")

    def label(self, status: str, overrides: Mapping[str, str] | None = None) -> str:
        """The words a resident sees for a status: the council's own, else the default."""
        self._require_known(status)
        if overrides and status in overrides:
            return overrides[status]
        return self.labels.get(status, status.replace("_", " ").capitalize())

    def allowed_from(self, status: str) -> frozenset[str]:
        self._require_known(status)
        return self.transitions.get(status, frozenset())

    def transition(self, current: str, target: str, *, actor: str, reason: str | None = None) -> StatusChange:
        """Check a move from `current` to `target`; raise a WorkflowError saying why it is refused."""
        self._require_known(current)
        self._require_known(target)
        if target not in self.allowed_from(current):
            raise TransitionNotAllowed(f"A transaction that is {current!r} cannot move to {target!r}")
        decides = target in self.closing
        if decides and not actor.strip():
            raise DecisionIncomplete(f"Say who decided to move this transaction to {target!r}")
        if decides and not (reason and reason.strip()):
            verb = "rejecting" if target in self.rejecting else "closing"
            raise DecisionIncomplete(f"Give a reason for {verb} this transaction ({target!r})")
        return StatusChange(
            from_status=current,
            to_status=target,
            actor=actor.strip(),
            reason=reason.strip() if reason else None,
            closes=decides,
            rejects=target in self.rejecting,
        )

    def _require_known(self, status: str) -> None:
        if status not in self.states:
            raise UnknownStatus(f"{status!r} is not a status of this service")
