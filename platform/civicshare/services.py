"""The platform's long-lived parts, built once by the app factory and handed to handlers through DI."""

from __future__ import annotations

from collections.abc import Callable

from civicshare.catalogue.installed_modules import ModuleCatalogue, RegistryCatalogue
from civicshare.catalogue.service import OfferingsCache
from civicshare.db.engine import Database
from civicshare.identity.provider import Identity
from civicshare.modules import ModuleRegistry
from civicshare.notifications.events import EventSubscriber
from civicshare.payments import PaymentProvider, SandboxPaymentProvider
from civicshare.payments.accounts import GovUkPayAccounts, PaymentAccounts, SharedAccount
from civicshare.places.addresses import AddressLookup, DemoAddressLookup
from civicshare.places.os_places import OsPlacesLookup
from civicshare.places.responsibility import AreaCheck
from civicshare.places.service import BoundaryIndex
from civicshare.places.streets import StreetFiles
from civicshare.policy.operators import BearerVerifier
from civicshare.ratelimits.limits import RateLimits
from civicshare.savings.remembered import KEPT_DASHBOARDS, KEPT_ENCODED, RememberedReports
from civicshare.savings.service_flags import RegistryServiceFlags, ServiceFlagsSource
from civicshare.settings import PaymentProviderName, Settings
from civicshare.storage import FileStore, file_store
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.lifecycle import CouncilLifecycleHook
from civicshare.transactions.batching import TransactionWriter


class PlatformServices:
    """A plain class, not a dataclass: Litestar would otherwise inspect (and validate) every field's
    type on each request that asks for it.

    - `registry`: the service modules this deployment runs (discovered once), and plugins that failed.
    - `payments`: the platform's own provider, the SANDBOX by default (no real money); its pages use it.
    - `payment_accounts`: which provider takes each council's money (`payments_for`): the shared
      provider, or with `payment_provider=govuk_pay` each council's own GOV.UK Pay account.
    - `offerings`: which services each council offers, with its effective settings.
    - `modules`: the registry as the admin API's module catalogue (known codes, settings checks).
    - `service_flags`: which services count toward channel shift and which are online-only (savings).
    - `savings_reports`, `savings_dashboards`: savings reports and dashboards this node worked out, used
      again while nothing they are worked out from has changed on any node (`civicshare.savings.remembered`).
    - `transaction_writer`: writes new transactions, several arriving together in one statement.
    - `rate_limits`: this worker's counts of limited requests, per client address and per council.
    - `event_subscribers`: what acts on each council's outbox events (email, webhooks); the job worker
      calls every one of them for each event (`civicshare.notifications.dispatcher`).
    - `boundaries`: every council's boundary, indexed to find which council a place is in.
    - `addresses`: the addresses at a postcode (OS Places, or the demo's file).
    - `files`: the file store (`civicshare.storage`): the data dir, or S3 shared by every node.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        directory: TenantDirectory,
        registry: ModuleRegistry | None = None,
        payments: PaymentProvider | None = None,
        operator_verifiers: tuple[BearerVerifier, ...] = (),
        identity: Identity | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.directory = directory
        self.registry = registry if registry is not None else ModuleRegistry(modules=())
        self.payments: PaymentProvider = (
            payments
            if payments is not None
            else SandboxPaymentProvider(store_dir=settings.data_dir / "sandbox-payments")
        )
        self.payment_accounts: PaymentAccounts = SharedAccount(self.payments)
        if payments is None and settings.payment_provider is PaymentProviderName.GOVUK_PAY:
            assert settings.govuk_pay_keys_dir is not None  # the settings insist on it
            self.payment_accounts = GovUkPayAccounts(settings.govuk_pay_keys_dir, base_url=settings.govuk_pay_url)
        self.modules: ModuleCatalogue = RegistryCatalogue(self.registry)
        self.operator_verifiers = operator_verifiers  # ways in for operators beyond API keys, e.g. Keycloak JWTs
        # The identity provider (Keycloak or the dev identity); None when it could not be set up, in which
        # case signed-in features answer 503 and anonymous ones keep working.
        self.identity = identity
        # Told about each council's change of state (onboarded, updated, suspended, offboarded), after commit.
        self.lifecycle_hooks: list[CouncilLifecycleHook] = []
        self.service_flags: ServiceFlagsSource = RegistryServiceFlags(self.registry)
        # Savings reports (encoded) and dashboards this node worked out, kept while their inputs are unchanged
        # (residents' own activity: for up to `lag` seconds).
        lag = settings.savings_activity_lag_seconds
        self.savings_reports = RememberedReports(KEPT_ENCODED, activity_lag_seconds=lag)
        self.savings_dashboards = RememberedReports(KEPT_DASHBOARDS, activity_lag_seconds=lag)
        self.transaction_writer = TransactionWriter(database.engine)
        self.event_subscribers: list[EventSubscriber] = []
        self.offerings = OfferingsCache(
            database.lookups, self.registry, max_age_seconds=settings.council_copies_max_age
        )
        self.rate_limits = RateLimits.from_settings(settings)
        # Every council's boundary, for finding which council a place is in.
        self.boundaries = BoundaryIndex(database.lookups, max_age_seconds=settings.tenant_cache_seconds)
        self.addresses: AddressLookup = address_lookup_for(settings)
        # Where files are kept (attachments, exports): shared by every node when it is S3.
        self.files: FileStore = file_store(settings)
        self.area = AreaCheck(self.boundaries, self.directory, self.offerings, self.addresses)
        self.streets = StreetFiles(settings.tenants_dir)  # drawn on maps without tiles
        # Other per-worker copies of councils' data (logos) to forget when the directory changes: each is
        # called with the council's id, or None for every council.
        self.council_caches: list[Callable[[int | None], None]] = []

    def forget_councils(self, tenant_id: int | None = None) -> None:
        """This worker's copies of one council (by id), or of every council, are stale: read them again.
        The directory and the boundaries are read again whole either way (one statement each)."""
        self.directory.invalidate()
        self.offerings.invalidate(tenant_id)
        self.boundaries.invalidate()
        for forget in self.council_caches:
            forget(tenant_id)

    def hear_directory_change(self, payload: str) -> None:
        """A NOTIFY on the directory's channel: `<table>:<council id>` for one council's rows (platform
        migration 0012), else the table's name alone, for changes that may touch every council."""
        _table, _, council = payload.partition(":")
        self.forget_councils(int(council) if council.isdecimal() else None)

    def payments_for(self, tenant: TenantContext) -> PaymentProvider:
        """The provider that takes this council's money."""
        return self.payment_accounts.for_council(tenant.slug)


def address_lookup_for(settings: Settings) -> AddressLookup:
    if settings.address_lookup == "os_places" and settings.os_places_key is not None:
        return OsPlacesLookup(settings.os_places_key.get_secret_value(), base_url=settings.os_places_url)
    return DemoAddressLookup(settings.tenants_dir / "demo-addresses.json")
