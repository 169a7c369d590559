"""Who may see savings figures. Two guards decide it; nothing else in the savings package does:

- ``require_staff``: the council's own staff (council-staff or council-admin AND a member of that
  council's organization), on the council's own address (host, ``/t/<slug>/`` or ``X-Tenant``). Each
  council sees only its own figures because the council comes from the request's ``TenantContext``.
- ``require_operator``: platform operators (role platform-operator), on the platform's own address only
  (``/ops/savings/...``); the same path on a council's address is not found.

A signed-in person (bearer token or session, through ``civicshare.identity``) is always checked: the
wrong council or role is refused with 403. Only in development mode may a request come without signing
in, for the demo; it may then say which role it plays with the header ``X-Civicshare-Dev-Role``
(``council-staff``, ``council-admin`` or ``platform-operator``), and a role that does not fit the page is
refused. In production, signing in is required (401).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from civicshare.api.dependencies import provide_maybe_tenant, provide_services, provide_tenant
from civicshare.http.problems import Problem
from civicshare.identity.guards import provide_principal
from civicshare.identity.principal import Principal
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
        raise Problem(
            401, "Sign in", "Sign in as staff to see savings figures.", name="sign-in",
            headers={"www-authenticate": 'Bearer realm="civicshare"'},
        )  # fmt: skip
    return request.headers.get(DEV_ROLE_HEADER, default).strip().lower()


async def _signed_in(request: ASGIConnection[Any, Any, Any, Any], services: PlatformServices) -> Principal | None:
    return await provide_principal(request, services)  # type: ignore[arg-type]


async def require_staff(
    request: ASGIConnection[Any, Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> StaffPrincipal:
    """The council's staff member making this request, or 401/403."""
    principal = await _signed_in(request, services)
    if principal is not None:
        if not (principal.is_staff_of(tenant.slug) or principal.is_operator):
            raise _refuse(f"Only {tenant.name}'s staff can see its savings figures.")
        role = "platform-operator" if principal.is_operator else "council-staff"
        return StaffPrincipal(council=tenant.slug, role=role, name=principal.display_name)
    role = _dev_role(request, services, "council-staff")
    if role not in STAFF_ROLES:
        raise _refuse(f"Only {tenant.name}'s staff can see its savings figures.")
    return StaffPrincipal(council=tenant.slug, role=role, name=f"dev {role}")


async def require_operator(
    request: ASGIConnection[Any, Any, Any, Any],
    maybe_tenant: NamedDependency[TenantContext | None],
    services: NamedDependency[PlatformServices],
) -> OperatorPrincipal:
    """The platform operator making this request, or 404 on a council's address, or 401/403."""
    if maybe_tenant is not None:
        raise Problem(404, "Not found", "Operator pages are only on the platform's own address.", name="not-found")
    principal = await _signed_in(request, services)
    if principal is not None:
        if not principal.is_operator:
            raise _refuse("Only platform operators can see every council's savings figures.")
        return OperatorPrincipal(role=OPERATOR_ROLE, name=principal.display_name)
    role = _dev_role(request, services, OPERATOR_ROLE)
    if role != OPERATOR_ROLE:
        raise _refuse("Only platform operators can see every council's savings figures.")
    return OperatorPrincipal(role=role, name=f"dev {role}")


_STAFF_KEY = "civicshare.savings.staff"
_OPERATOR_KEY = "civicshare.savings.operator"


async def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard for every staff page; the handler's `staff` dependency reads what it decided."""
    services = provide_services(connection.app.state)
    connection.scope[_STAFF_KEY] = await require_staff(connection, provide_tenant(connection), services)  # type: ignore[arg-type,literal-required]


async def operators_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard for every operator page; the handler's `operator` dependency reads what it decided."""
    services = provide_services(connection.app.state)
    connection.scope[_OPERATOR_KEY] = await require_operator(connection, provide_maybe_tenant(connection), services)  # type: ignore[arg-type,literal-required]


def provide_staff(request: ASGIConnection[Any, Any, Any, Any]) -> StaffPrincipal:
    staff: StaffPrincipal = request.scope[_STAFF_KEY]  # type: ignore[literal-required]
    return staff


def provide_operator(request: ASGIConnection[Any, Any, Any, Any]) -> OperatorPrincipal:
    operator: OperatorPrincipal = request.scope[_OPERATOR_KEY]  # type: ignore[literal-required]
    return operator
