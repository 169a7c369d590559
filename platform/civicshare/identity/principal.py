"""Who is making a request: the principal every guard and service reads, whatever the way in.

A principal comes from a validated token (a bearer JWT from Keycloak or the dev identity), from a
signed-in browser session (which holds the principal made from the token at sign-in), or, once the
admin API merges, from an operator's API key. Guards never read tokens or cookies themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from civicshare.policy.actor import Actor
from civicshare.policy.roles import IDENTITY_ROLES
from civicshare.policy.roles import Role as Role

# Only the identity provider's realm roles are read from a token or a session; key roles never are.
KNOWN_ROLES = frozenset(role.value for role in IDENTITY_ROLES)


class Via(StrEnum):
    """How the principal proved who they are."""

    BEARER = "bearer"
    SESSION = "session"
    API_KEY = "api-key"


@dataclass(frozen=True)
class Principal:
    """A person (or, for API keys, a named operator credential) and what they may act as.

    ``councils`` maps each council slug (the Keycloak organization alias) the person belongs to onto
    its organization id. Staff rights hold only at those councils; resident rights hold everywhere.
    """

    subject: str
    email: str | None = None
    name: str | None = None
    roles: frozenset[Role] = frozenset()
    councils: Mapping[str, str] = field(default_factory=dict)
    via: Via = Via.BEARER
    # The identity provider has checked that the person receives mail at `email` (`email_verified`).
    email_verified: bool = False

    @property
    def is_operator(self) -> bool:
        """Only to recognise an operator signing in to the admin API; what anyone may do is the policy's."""
        return Role.PLATFORM_OPERATOR in self.roles

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.subject

    @property
    def actor(self) -> Actor:
        """This person as the access policy sees them: their roles, at the councils they belong to."""
        return Actor(name=self.display_name, roles=self.roles, councils=frozenset(self.councils), credential=self)

    # A session keeps the principal as JSON: these two keep the shape in one place.
    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "email": self.email,
            "name": self.name,
            "roles": sorted(role.value for role in self.roles),
            "councils": dict(self.councils),
            "email_verified": self.email_verified,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], via: Via) -> Principal:
        return cls(
            subject=str(data["subject"]),
            email=data.get("email"),
            name=data.get("name"),
            roles=frozenset(Role(role) for role in data.get("roles", ()) if role in KNOWN_ROLES),
            councils={str(slug): str(org_id) for slug, org_id in dict(data.get("councils", {})).items()},
            via=via,
            email_verified=data.get("email_verified") is True,
        )


def principal_from_claims(claims: Mapping[str, Any], via: Via = Via.BEARER) -> Principal:
    """Keycloak's access-token claims (and the dev identity's, which have the same shape) as a principal."""
    realm_access = claims.get("realm_access")
    raw_roles = realm_access.get("roles", []) if isinstance(realm_access, Mapping) else []
    roles = frozenset(Role(role) for role in raw_roles if isinstance(role, str) and role in KNOWN_ROLES)
    organizations = claims.get("organization")
    councils: dict[str, str] = {}
    if isinstance(organizations, Mapping):  # {"kingston": {"id": "..."}} with the id mapper switched on
        for alias, details in organizations.items():
            org_id = details.get("id") if isinstance(details, Mapping) else None
            councils[str(alias)] = str(org_id) if org_id else ""
    elif isinstance(organizations, list):  # ["kingston"] without it
        councils = {str(alias): "" for alias in organizations}
    given, family = claims.get("given_name"), claims.get("family_name")
    name = claims.get("name") or " ".join(part for part in (given, family) if part) or None
    email = claims.get("email")
    return Principal(
        subject=str(claims["sub"]),
        email=str(email).lower() if email else None,
        name=str(name) if name else None,
        roles=roles,
        councils=councils,
        via=via,
        email_verified=claims.get("email_verified") is True,
    )
