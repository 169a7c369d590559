"""Who can hold permissions: people's roles from the identity provider, and the platform's keys."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    # Realm roles in the identity provider (Keycloak or the dev identity).
    RESIDENT = "resident"
    COUNCIL_STAFF = "council-staff"
    COUNCIL_ADMIN = "council-admin"
    PLATFORM_OPERATOR = "platform-operator"
    # Keys the platform issues itself; never read from a token.
    OPERATOR_KEY_READ = "operator-key:read"  # admin API key, scope "read"
    OPERATOR_KEY_FULL = "operator-key:full"  # admin API key, scope "full" (and the command line)
    SYSTEM_KEY_READ = "system-key:read"  # a council system's key, scope "read"
    SYSTEM_KEY_WRITE = "system-key:write"  # a council system's key, scope "write"


IDENTITY_ROLES = frozenset({Role.RESIDENT, Role.COUNCIL_STAFF, Role.COUNCIL_ADMIN, Role.PLATFORM_OPERATOR})
STAFF_ROLES = frozenset({Role.COUNCIL_STAFF, Role.COUNCIL_ADMIN})
