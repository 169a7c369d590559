"""THE table: which role holds which permission. Nothing else in the platform grants a permission.

Council permissions hold only at the councils the actor belongs to (a person's organizations, a system
key's own council); platform permissions hold only on the platform's own surfaces (admin API, /ops).
"""

from __future__ import annotations

from collections.abc import Mapping

from civicshare.policy.permissions import Permission as P
from civicshare.policy.roles import Role

_STAFF = frozenset({P.VIEW_REQUESTS, P.CHANGE_REQUESTS, P.SUBMIT_FOR_RESIDENTS, P.VIEW_SAVINGS, P.EDIT_SAVINGS_INPUTS})

GRANTS: Mapping[Role, frozenset[P]] = {
    Role.RESIDENT: frozenset(),  # residents act through PUBLIC and SIGNED_IN routes only
    Role.COUNCIL_STAFF: _STAFF,
    Role.COUNCIL_ADMIN: _STAFF | {P.MANAGE_TEAM, P.MANAGE_COUNCIL, P.MANAGE_INTEGRATIONS, P.CLOSE_SAVINGS_MONTHS},
    # The operator rule (see civicshare.policy): the role gives platform permissions and no council ones.
    Role.PLATFORM_OPERATOR: frozenset({P.VIEW_PLATFORM, P.OPERATE_PLATFORM}),
    Role.OPERATOR_KEY_READ: frozenset({P.VIEW_PLATFORM}),
    Role.OPERATOR_KEY_FULL: frozenset({P.VIEW_PLATFORM, P.OPERATE_PLATFORM}),
    Role.SYSTEM_KEY_READ: frozenset({P.VIEW_REQUESTS}),
    Role.SYSTEM_KEY_WRITE: frozenset({P.VIEW_REQUESTS, P.CHANGE_REQUESTS}),
}


def permissions_of(roles: frozenset[Role]) -> frozenset[P]:
    granted: frozenset[P] = frozenset()
    for role in roles:
        granted |= GRANTS[role]
    return granted
