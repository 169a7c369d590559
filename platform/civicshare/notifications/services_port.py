"""What the platform's own subscribers (resident emails, council administrators' alerts) need of the
platform's services. `civicshare.services.PlatformServices` has all of it; declared here because that
composition sits above every domain and notifications must not import it."""

from __future__ import annotations

from typing import Protocol

from civicshare.catalogue.service import OfferingsCache
from civicshare.db.engine import Database
from civicshare.identity.provider import Identity
from civicshare.modules import ModuleRegistry
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory


class NotifierServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def database(self) -> Database: ...

    @property
    def directory(self) -> TenantDirectory: ...

    @property
    def registry(self) -> ModuleRegistry: ...

    @property
    def offerings(self) -> OfferingsCache: ...

    @property
    def identity(self) -> Identity | None: ...
