"""The platform's long-lived parts, built once by the app factory and handed to handlers through DI."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicshare.admin.catalogue import EmptyCatalogue, ModuleCatalogue
from civicshare.admin.principal import BearerVerifier
from civicshare.db.engine import Database
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory


@dataclass
class PlatformServices:
    settings: Settings
    database: Database
    directory: TenantDirectory
    modules: ModuleCatalogue = field(default_factory=EmptyCatalogue)
    operator_verifiers: tuple[BearerVerifier, ...] = ()  # beyond API keys, e.g. Keycloak JWTs
