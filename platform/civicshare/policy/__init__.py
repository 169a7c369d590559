"""Who may do what, decided in one place (kernel: imports nothing from domains or interfaces).

- `Permission` (permissions.py): what a route can need.
- `Role` (roles.py): people's roles from the identity provider, and the platform's own keys.
- `GRANTS` (grants.py): THE table of which role holds which permission.
- `decide` (decisions.py): may this actor do this at this council (or on the platform)?
- `requires`/`PUBLIC` (declarations.py): every route declares its permission on its handler; one guard on
  the app (`civicshare.api.access.enforce_access`) enforces it, and a route that declares nothing is refused.

Where permissions hold:
- Council permissions hold only at councils the actor belongs to: a person's organizations in the
  identity provider, a system key's own council. Team scopes (and a system key's services) narrow the
  request permissions (`SERVICE_SCOPED`) to some services: `may_work_on`, checked once the request's
  service is known.
- The operator rule: platform operators run the platform, not the councils. The platform-operator role
  gives VIEW_PLATFORM and OPERATE_PLATFORM, which hold on the platform's own surfaces only (admin API,
  /ops); at a council's address an operator has exactly the rights their membership of that council
  gives, none if they are not a member. What an operator must see or change at a council goes through
  the admin API, where it is written to the operator audit log.
"""

from civicshare.policy.actor import Actor
from civicshare.policy.decisions import Refusal, allows, decide, may_work_on
from civicshare.policy.declarations import (
    ACTOR_SCOPE_KEY,
    AUTHENTICATORS_KEY,
    OPT_KEY,
    PUBLIC,
    Access,
    Authenticator,
    Credential,
    access_of,
    admitted,
    requires,
)
from civicshare.policy.grants import GRANTS, permissions_of
from civicshare.policy.operators import COMMAND_LINE, BearerVerifier, Operator, OperatorScope
from civicshare.policy.permissions import COUNCIL_PERMISSIONS, PLATFORM_PERMISSIONS, SERVICE_SCOPED, Permission
from civicshare.policy.roles import IDENTITY_ROLES, STAFF_ROLES, Role

__all__ = [
    "ACTOR_SCOPE_KEY",
    "AUTHENTICATORS_KEY",
    "COMMAND_LINE",
    "COUNCIL_PERMISSIONS",
    "GRANTS",
    "IDENTITY_ROLES",
    "OPT_KEY",
    "PLATFORM_PERMISSIONS",
    "PUBLIC",
    "SERVICE_SCOPED",
    "STAFF_ROLES",
    "Access",
    "Actor",
    "Authenticator",
    "BearerVerifier",
    "Credential",
    "Operator",
    "OperatorScope",
    "Permission",
    "Refusal",
    "Role",
    "access_of",
    "admitted",
    "allows",
    "decide",
    "may_work_on",
    "permissions_of",
    "requires",
]
