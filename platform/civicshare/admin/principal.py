"""Who is operating the platform: the `Operator` principal every admin request carries.

Operators authenticate with API keys today (`via="api-key"`); the identity work adds Keycloak
sign-in (role `platform-operator`) by appending a `BearerVerifier` to
`PlatformServices.operator_verifiers`: a bearer token that is not an API key is offered to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class OperatorScope(StrEnum):
    READ = "read"
    FULL = "full"


@dataclass(frozen=True)
class Operator:
    id: str  # stable and unique: "api-key:<key id>", "cli", later "keycloak:<subject>"
    name: str
    scope: OperatorScope
    via: str  # "api-key", "cli", later "jwt"

    @property
    def can_write(self) -> bool:
        return self.scope is OperatorScope.FULL


COMMAND_LINE = Operator(id="cli", name="civicshare command line", scope=OperatorScope.FULL, via="cli")


class BearerVerifier(Protocol):
    async def __call__(self, token: str) -> Operator | None:
        """The operator this bearer token proves, or None when it proves nothing (then: 401)."""
        ...
