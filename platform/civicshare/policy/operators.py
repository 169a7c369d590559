"""Who is operating the platform: the `Operator` every admin request (and the command line) acts as.

Operators authenticate with admin API keys (`via="api-key"`) or with the identity provider's
platform-operator role (`via="jwt"`, through a `BearerVerifier` in `PlatformServices.operator_verifiers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from civicshare.policy.actor import Actor
from civicshare.policy.decisions import allows
from civicshare.policy.permissions import Permission
from civicshare.policy.roles import Role


class OperatorScope(StrEnum):
    READ = "read"
    FULL = "full"


_ROLE_OF_KEY = {OperatorScope.READ: Role.OPERATOR_KEY_READ, OperatorScope.FULL: Role.OPERATOR_KEY_FULL}


@dataclass(frozen=True)
class Operator:
    id: str  # stable and unique: "api-key:<key id>", "cli", "identity:<subject>"
    name: str
    scope: OperatorScope
    via: str  # "api-key", "cli", "jwt"

    @property
    def actor(self) -> Actor:
        role = Role.PLATFORM_OPERATOR if self.via == "jwt" else _ROLE_OF_KEY[self.scope]
        return Actor(name=self.name, roles=frozenset({role}), credential=self)

    @property
    def can_write(self) -> bool:
        return allows(self.actor, Permission.OPERATE_PLATFORM, None)


COMMAND_LINE = Operator(id="cli", name="civicshare command line", scope=OperatorScope.FULL, via="cli")


class BearerVerifier(Protocol):
    async def __call__(self, token: str) -> Operator | None:
        """The operator this bearer token proves, or None when it proves nothing (then: 401)."""
        ...
