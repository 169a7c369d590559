"""The platform's long-lived parts, built once by the app factory and handed to handlers through DI."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicshare.db.engine import Database
from civicshare.savings.service_flags import CatalogueServiceFlags, ServiceFlagsSource
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory


@dataclass
class PlatformServices:
    settings: Settings
    database: Database
    directory: TenantDirectory
    # Which services count toward channel shift; the module registry replaces the demo catalogue.
    service_flags: ServiceFlagsSource = field(default_factory=CatalogueServiceFlags)
