"""Who may see savings figures: the seam the identity work replaces.

Two dependencies guard every savings handler, and nothing else in the savings package decides access:

- ``require_staff``: the council's own staff, on the council's own address (host, ``/t/<slug>/`` or
  ``X-Tenant``). Each council sees only its own figures because the council comes from the request's
  ``TenantContext``, never from a parameter.
- ``require_operator``: platform operators, on the platform's own address only (``/ops/savings/...``);
  the same path on a council's address is not found, so a council's host never exposes other councils.

Until sign-in exists the rule is deliberately narrow: in development mode requests are allowed, and a
request may say which role it plays with the header ``X-Civicshare-Dev-Role`` (``council-staff``,
``council-admin`` or ``platform-operator``); a role that does not fit the page is refused (403), which
lets tests prove the seam holds. In production mode every savings request is refused (403) until the
identity work replaces these two functions with checks of the signed-in principal's roles and
organisations; their signatures (request in, principal out, ``Problem`` on refusal) stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from civicshare.api.dependencies import provide_maybe_tenant, provide_services, provide_tenant
from civicshare.api.problems import Problem
from civicshare.services import PlatformServices
from civicshare.settings import Mode
from civicshare.tenancy.context import TenantContext

DEV_ROLE_HEADER = "x-civicshare-dev-role"
STAFF_ROLES = frozenset({"council-staff", "council-admin"})
OPERATOR_ROLE = "platform-operator"


@dataclass(frozen=True)
class StaffPrincipal:
    council: str
    role: str
    name: str


@dataclass(frozen=True)
class OperatorPrincipal:
    role: str
    name: str


def _refuse(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, name="savings-forbidden")


def _dev_role(request: ASGIConnection[Any, Any, Any, Any], services: PlatformServices, default: str) -> str:
    if services.settings.mode is not Mode.DEVELOPMENT:
        raise _refuse("Savings figures need staff sign-in, which this platform does not offer yet.")
    return request.headers.get(DEV_ROLE_HEADER, default).strip().lower()


def require_staff(
    request: ASGIConnection[Any, Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> StaffPrincipal:
    """The council's staff member making this request, or 403."""
    role = _dev_role(request, services, "council-staff")
    if role not in STAFF_ROLES:
        raise _refuse(f"Only {tenant.name}'s staff can see its savings figures.")
    return StaffPrincipal(council=tenant.slug, role=role, name=f"dev {role}")


def require_operator(
    request: ASGIConnection[Any, Any, Any, Any],
    maybe_tenant: NamedDependency[TenantContext | None],
    services: NamedDependency[PlatformServices],
) -> OperatorPrincipal:
    """The platform operator making this request, or 404 on a council's address, or 403."""
    if maybe_tenant is not None:
        raise Problem(404, "Not found", "Operator pages are only on the platform's own address.", name="not-found")
    role = _dev_role(request, services, OPERATOR_ROLE)
    if role != OPERATOR_ROLE:
        raise _refuse("Only platform operators can see every council's savings figures.")
    return OperatorPrincipal(role=role, name=f"dev {role}")


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    require_staff(connection, provide_tenant(connection), provide_services(connection.app.state))  # type: ignore[arg-type]


def operators_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    require_operator(connection, provide_maybe_tenant(connection), provide_services(connection.app.state))  # type: ignore[arg-type]
