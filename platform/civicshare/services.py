"""The platform's long-lived parts, built once by the app factory and handed to handlers through DI."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicshare.db.engine import Database
from civicshare.identity.provider import Identity
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.lifecycle import CouncilLifecycleHook


@dataclass
class PlatformServices:
    settings: Settings
    database: Database
    directory: TenantDirectory
    # The identity provider (Keycloak or the dev identity); None when it could not be set up, in which
    # case signed-in features answer 503 and anonymous ones keep working.
    identity: Identity | None = None
    # Told about each council's change of state (onboarded, updated, suspended, offboarded), after commit.
    lifecycle_hooks: list[CouncilLifecycleHook] = field(default_factory=list)
