"""The one decision: may this actor do this, here? Refusals say why in words a person can act on."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from civicshare.policy.actor import Actor
from civicshare.policy.grants import permissions_of
from civicshare.policy.permissions import COUNCIL_PERMISSIONS, PLATFORM_PERMISSIONS, Permission
from civicshare.policy.roles import Role
from civicshare.tenancy.context import TenantContext

# What a council member without the permission is told they may not do (after "Only administrators of X").
_ADMIN_ACTIONS = {
    Permission.MANAGE_TEAM: "manage its staff and teams",
    Permission.MANAGE_COUNCIL: "change its council settings or read what its staff did",
    Permission.MANAGE_INTEGRATIONS: "manage its connected systems, webhooks and failed deliveries",
}


@dataclass(frozen=True)
class Refusal:
    detail: str
    name: str = "forbidden"


def decide(actor: Actor, permission: Permission, council: TenantContext | None) -> Refusal | None:
    """None when `actor` holds `permission` at `council` (None on the platform's own address)."""
    if permission in (Permission.PUBLIC, Permission.SIGNED_IN):
        return None
    granted = permissions_of(actor.roles)
    if permission in PLATFORM_PERMISSIONS:
        if permission in granted:
            return None
        if Role.OPERATOR_KEY_READ in actor.roles:
            return Refusal(
                "This operator key is read-only; changes need a key with scope 'full'.", "read-only-operator"
            )
        return Refusal("Only platform operators may do this.")
    assert permission in COUNCIL_PERMISSIONS, permission
    if council is None or council.slug not in actor.councils:
        where = council.name if council else "this council"
        return Refusal(f"You do not work for {where} on this platform.")
    if permission in granted:
        return None
    if permission in _ADMIN_ACTIONS:
        return Refusal(f"Only administrators of {council.name} can {_ADMIN_ACTIONS[permission]}.")
    return Refusal(f"You do not have the right to do this at {council.name}.")


def allows(actor: Actor, permission: Permission, council: TenantContext | None) -> bool:
    return decide(actor, permission, council) is None


def may_work_on(services: Collection[str] | None, service: str) -> bool:
    """A team's (or a system key's) service scope: None is every service."""
    return services is None or service in services
