"""An actor: whoever a request (or the command line) acts for, as the policy sees them."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicshare.policy.roles import Role


@dataclass(frozen=True)
class Actor:
    """`roles` say what the actor may do; `councils` say where council permissions hold.

    `credential` is what the interface authenticated (a person's principal, an operator, a system key),
    handed back to handlers untouched; the policy never reads it.
    """

    name: str
    roles: frozenset[Role]
    councils: frozenset[str] = frozenset()
    credential: object = field(default=None, compare=False, repr=False)
