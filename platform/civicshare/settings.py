"""The platform's settings: one object, read from the environment (prefix CIVICSHARE_) and `.env`.

Settings are validated when the process starts. Production is the default: development (the dev
identity, the embedded database, the published demo secret) runs only when asked for with
CIVICSHARE_MODE=development, as `civicshare demo` and the test suite do; a production deployment refuses
to start with any of the demo's parts.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, IPvAnyNetwork, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOVUK_PAY_URL = "https://publicapi.payments.service.gov.uk"  # GOV.UK Pay's public API, the live service
DEMO_SECRET_KEY = "civicshare-demo-secret-key-not-for-production"  # noqa: S105 - the demo's known value
RATE_PATTERN = r"^\s*(off|[1-9][0-9]*\s*/\s*([1-9][0-9]*\s*)?(second|minute|hour|day)s?)\s*$"
"""A rate limit's setting: "30/minute", "600/10 minutes", "off" (civicshare.ratelimits.rates reads it)."""


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class IdentityProvider(StrEnum):
    DEV = "dev"
    KEYCLOAK = "keycloak"


class PaymentProviderName(StrEnum):
    SANDBOX = "sandbox"
    GOVUK_PAY = "govuk_pay"


class EmailProviderName(StrEnum):
    SMTP = "smtp"
    NOTIFY = "notify"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP: only for a server on this machine (the demo's mail sink)
    STARTTLS = "starttls"
    TLS = "tls"


class ProxyHeader(StrEnum):
    X_FORWARDED = "x-forwarded"  # X-Forwarded-For and X-Forwarded-Proto (nginx, most load balancers)
    FORWARDED = "forwarded"  # RFC 7239 Forwarded


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CIVICSHARE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Mode = Field(
        default=Mode.PRODUCTION,
        description="production unless development is asked for (`civicshare demo` asks; so does the test suite)",
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql+asyncpg://... of an external server; unset means the embedded PostgreSQL",
    )
    database_transaction_pooling: bool = Field(
        default=False,
        description="the database URL is a pooler in transaction mode (PgBouncer): cache no prepared statement",
    )
    database_direct_url: str | None = Field(
        default=None,
        description="the server itself, for the job worker's sessions (LISTEN) when the URL is a pooler",
    )
    database_replica_url: str | None = Field(
        default=None,
        description="a streaming standby of the database: reports, exports and dashboards read from it while fresh",
    )
    replica_max_lag_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="reads go to the primary when the replica misses anything older than this",
    )
    savings_activity_lag_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="how much newer residents' submissions, journeys and feedback may be than a savings report "
        "an app node remembers (other changes show at once); 0 to work a report out again after each",
    )
    statement_functions: bool = Field(
        default=True,
        description="run the hottest statements (a submission, tracking a request, Open311's requests.json, "
        "an officer's teams, reading a sign-in session) as functions of each council's schema, planned once "
        "a database connection rather than on every call: less CPU, more memory in each database connection",
    )
    queue_count_lag_seconds: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="how old the count of a full page of the staff queue may be (the page itself is always "
        "current; counting thousands of matches cost more than the page); 0 to count on every page",
    )
    heavy_requests_at_once: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="how many heavy pages (the staff queue, savings reports, Open311's listings) each worker "
        "makes at once; more wait their turn, so residents' requests never queue behind a pile of them",
    )
    heavy_request_longest_wait_ms: int = Field(
        default=100,
        ge=0,
        le=60_000,
        description="the longest a heavy page waits for its turn before it is made anyway",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "var", description="where the embedded PostgreSQL keeps data")
    storage_url: str | None = Field(
        default=None,
        pattern=r"^(file|s3)://\S+$",
        description="where files are kept (attachments, exports): unset for the data dir, file:///a/folder, or "
        "s3://bucket?endpoint_url=https://...&region=...&prefix=... (credentials from the AWS_* variables)",
    )
    storage_access_key_id: str | None = Field(default=None, description="S3 access key, if not from AWS_*")
    storage_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret, if not from AWS_*")
    tenants_dir: Path = PROJECT_ROOT / "tenants"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    base_domain: str = Field(default="localhost", description="councils answer on <slug>.<base_domain>")
    map_tile_url: str | None = Field(
        default=None,
        pattern=r"^https://[^/\s]+/\S*\{z\}\S*$",
        description="map tiles for location pins, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; without"
        " tiles the map draws the council's boundary on a plain background",
    )
    map_tile_attribution: str = Field(default="", max_length=300, description="the tiles' required credit")
    address_lookup: Literal["demo", "os_places"] = Field(
        default="demo", description="where addresses at a postcode come from: tenants/demo-addresses.json or OS Places"
    )
    os_places_key: SecretStr | None = Field(default=None, description="the OS Data Hub API key for OS Places")
    os_places_url: str = Field(default="https://api.os.uk/search/places/v1", pattern=r"^https?://\S+$")
    secret_key: SecretStr = SecretStr(DEMO_SECRET_KEY)
    identity_provider: IdentityProvider = IdentityProvider.DEV
    keycloak_url: str | None = Field(
        default=None,
        description="Keycloak's base URL (http://127.0.0.1:8080); unset in development means the one "
        "`civicshare keycloak up` recorded in var/keycloak",
    )
    keycloak_realm: str = "civicshare"
    keycloak_web_client_id: str = "civicshare-web"
    keycloak_audience: str = "civicshare"
    keycloak_provisioner_client_id: str = "civicshare-provisioner"
    keycloak_provisioner_secret: SecretStr | None = None
    token_leeway_seconds: int = Field(default=30, ge=0, le=300, description="clock skew allowed on exp/nbf/iat")
    jwks_min_refresh_seconds: float = Field(
        default=30.0, ge=0, description="at most one JWKS refresh per this many seconds (unknown key ids)"
    )
    session_max_age_seconds: int = Field(default=8 * 3600, ge=60, description="a browser session's lifetime")
    log_format: LogFormat = LogFormat.JSON
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    migration_concurrency: int = Field(default=8, ge=1, le=64)
    spare_council_schemas: int = Field(
        default=1,
        ge=0,
        le=50,
        description="council schemas the job worker keeps made ahead of need: onboarding renames one instead "
        "of creating some 220 tables and indexes while the platform is busy (0: none made)",
    )
    offboarding_grace_days: int = Field(
        default=30, ge=0, le=3650, description="days between offboarding a council and purging its schema"
    )
    tenant_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="how long a worker trusts its copy of the council directory without asking (changes are "
        "announced to every serving worker at once; this is the safety net)",
    )
    council_copies_seconds: float | None = Field(
        default=None,
        ge=0,
        description="how long a worker trusts its copy of one council's offerings and logo without "
        "asking (changes are announced at once; this is their safety net). Each council is asked on its own, so "
        "with 400 councils a short time costs a node many statements a second. Unset: ten times "
        "tenant_cache_seconds",
    )
    payment_provider: PaymentProviderName = PaymentProviderName.SANDBOX
    govuk_pay_keys_dir: Path | None = Field(
        default=None, description="one file per council slug holding that council's GOV.UK Pay API key"
    )
    govuk_pay_url: str = GOVUK_PAY_URL
    payment_reconcile_minutes: int = Field(
        default=15,
        ge=0,
        le=24 * 60,
        description="each serving worker asks the payment provider about payments left waiting this long, this "
        "often; 0 leaves it to `civicshare payments reconcile` (cron, systemd timer)",
    )
    # The outbox and its job workers (civicshare.notifications).
    worker_in_process: bool = Field(
        default=False, description="each serving worker also runs a job worker (small deployments)"
    )
    worker_concurrency: int = Field(default=8, ge=1, le=256, description="jobs a job worker runs at once")
    worker_processes: int = Field(
        default=0, ge=0, le=64, description="processes `civicshare worker` delivers events with (0: one per CPU)"
    )
    export_jobs_at_once: int = Field(
        default=1, ge=1, le=32, description="exports (council archives, large CSVs) a job worker writes at once"
    )
    queue_export_stream_max_rows: int = Field(
        default=10_000,
        ge=0,
        description="a staff queue export up to this many rows streams at once; a larger one is written by a job",
    )
    outbox_batch: int = Field(default=200, ge=1, le=5000, description="deliveries a job takes up at a time")
    outbox_deliveries_at_once: int = Field(
        default=16, ge=1, le=1024, description="subscriber calls a job makes at the same time"
    )
    outbox_retry_base_seconds: float = Field(
        default=60, gt=0, description="wait after a delivery's first failure; doubles with each failure"
    )
    outbox_retry_cap_seconds: float = Field(default=6 * 3600, gt=0, description="the longest wait between tries")
    outbox_max_attempts: int = Field(
        default=16, ge=1, le=100, description="tries before a delivery is dead (the default spans about 33 hours)"
    )
    outbox_delivery_timeout_seconds: float = Field(
        default=30, gt=0, description="how long one subscriber call (an email, a webhook) may take"
    )
    outbox_lease_seconds: float = Field(
        default=300, gt=0, description="a delivery in hand is tried again after this if its worker died"
    )
    outbox_sweep_seconds: float = Field(
        default=300, gt=0, description="how often a worker checks every council for events nobody was told of"
    )
    delivered_events_keep_days: int = Field(
        default=30, ge=1, description="days an event delivered everywhere, and the webhook log, are kept"
    )
    orphan_files_grace_hours: int = Field(
        default=24,
        ge=1,
        description="hours a stored file no row names is kept before the hourly sweep removes it "
        "(its row may still be committing)",
    )
    idempotency_keys_keep_hours: int = Field(
        default=24, ge=1, description="hours a system's Idempotency-Key answers the same (then it is forgotten)"
    )
    feedback_comments_keep_days: int = Field(
        default=730,
        ge=1,
        description="days the words residents write with their satisfaction rating are kept (the ratings stay)",
    )

    email_provider: EmailProviderName = Field(
        default=EmailProviderName.SMTP, description="what sends email to residents: an SMTP server or GOV.UK Notify"
    )
    email_from_address: str = Field(
        default="noreply@localhost", description="the From address of every email (the name is the council's)"
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535, description="1025 is where `civicshare demo` catches mail")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    notify_url: str = Field(default="https://api.notifications.service.gov.uk", description="GOV.UK Notify's API")
    notify_keys_dir: Path | None = Field(
        default=None, description="one file per council slug holding that council's GOV.UK Notify API key"
    )
    mail_capture_dir: Path | None = Field(
        default=None,
        description="where the demo's local SMTP sink keeps the mail it catches (shown at /demo-mail); "
        "development only",
    )

    # Rate limits (civicshare.ratelimits): per client address and per council, counted in each serving
    # worker's memory, so a client may get up to (workers x nodes) times these. Written like 30/minute,
    # 600/10 minutes, or off.
    rate_limits: bool = Field(default=True, description="answer too many requests with 429 and Retry-After")
    rate_limit_tracking_per_address: str = Field(default="30/minute", pattern=RATE_PATTERN)
    rate_limit_tracking_per_council: str = Field(default="1200/minute", pattern=RATE_PATTERN)
    rate_limit_submissions_per_address: str = Field(default="60/minute", pattern=RATE_PATTERN)
    rate_limit_submissions_per_council: str = Field(default="6000/minute", pattern=RATE_PATTERN)
    rate_limit_uploads_per_address: str = Field(default="30/minute", pattern=RATE_PATTERN)
    rate_limit_uploads_per_council: str = Field(default="1200/minute", pattern=RATE_PATTERN)
    rate_limit_sign_in_per_address: str = Field(default="60/minute", pattern=RATE_PATTERN)
    rate_limit_sign_in_per_council: str = Field(default="1200/minute", pattern=RATE_PATTERN)
    rate_limit_admin_per_address: str = Field(default="600/minute", pattern=RATE_PATTERN)
    rate_limit_admin_per_council: str = Field(default="6000/minute", pattern=RATE_PATTERN)
    rate_limit_table_size: int = Field(
        default=100_000,
        ge=1000,
        le=10_000_000,
        description="client addresses (per council and kind) each worker remembers; the least recently seen "
        "is forgotten first (about 250 bytes each)",
    )
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = Field(
        default=(),
        description="addresses or networks (comma-separated: 10.0.0.5,10.1.0.0/16) of the proxies in front of "
        "the platform; only requests from them may say which scheme and client address they forwarded",
    )
    outbox_listen_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="with councils on a Citus cluster: every worker node's own URL (comma-separated). A "
        "council's outbox trigger sends its wake-up NOTIFY on the node holding the council, so the job "
        "workers LISTEN there too, besides the database itself (infra/citus/README.md)",
    )
    proxy_header: ProxyHeader = Field(
        default=ProxyHeader.X_FORWARDED,
        description="which header the trusted proxies set (and replace or append to): x-forwarded or forwarded",
    )

    webhook_allow_private_targets: bool | None = Field(
        default=None,
        description="may webhooks go to loopback, private and link-local addresses; unset means only in "
        "development (production refuses them, and plain http, against server-side request forgery)",
    )

    @field_validator("trusted_proxies", "outbox_listen_urls", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _notify_needs_its_keys(self) -> Self:
        if self.email_provider is EmailProviderName.NOTIFY and self.notify_keys_dir is None:
            raise ValueError("CIVICSHARE_EMAIL_PROVIDER=notify needs CIVICSHARE_NOTIFY_KEYS_DIR")
        return self

    @model_validator(mode="after")
    def _a_pooler_needs_the_server_beside_it(self) -> Self:
        if self.database_transaction_pooling and (self.database_url is None or self.database_direct_url is None):
            raise ValueError(
                "CIVICSHARE_DATABASE_TRANSACTION_POOLING needs CIVICSHARE_DATABASE_URL (the pooler) and "
                "CIVICSHARE_DATABASE_DIRECT_URL (the server: the job worker LISTENs and migrations run there)"
            )
        return self

    @model_validator(mode="after")
    def _govuk_pay_needs_its_keys(self) -> Self:
        if self.payment_provider is PaymentProviderName.GOVUK_PAY and self.govuk_pay_keys_dir is None:
            raise ValueError("CIVICSHARE_PAYMENT_PROVIDER=govuk_pay needs CIVICSHARE_GOVUK_PAY_KEYS_DIR")
        return self

    @model_validator(mode="after")
    def _os_places_needs_its_key(self) -> Self:
        if self.address_lookup == "os_places" and self.os_places_key is None:
            raise ValueError("CIVICSHARE_ADDRESS_LOOKUP=os_places needs CIVICSHARE_OS_PLACES_KEY")
        return self

    @property
    def council_copies_max_age(self) -> float:
        """Seconds a worker trusts its copy of one council's offerings and logo."""
        if self.council_copies_seconds is not None:
            return self.council_copies_seconds
        return self.tenant_cache_seconds * 10

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @model_validator(mode="after")
    def _production_refuses_demo_parts(self) -> Self:
        if self.mode is not Mode.PRODUCTION:
            return self
        problems = []
        if self.secret_key.get_secret_value() == DEMO_SECRET_KEY:
            problems.append(
                "CIVICSHARE_SECRET_KEY is unset or the published demo secret; "
                "set a private value of 32 characters or more"
            )
        elif len(self.secret_key.get_secret_value()) < 32:
            problems.append("CIVICSHARE_SECRET_KEY must be set to a private value of 32 characters or more")
        if self.identity_provider is IdentityProvider.DEV:
            problems.append("CIVICSHARE_IDENTITY_PROVIDER=dev (the default) is the demo identity; use keycloak")
        elif self.keycloak_url is None or self.keycloak_provisioner_secret is None:
            problems.append("CIVICSHARE_KEYCLOAK_URL and CIVICSHARE_KEYCLOAK_PROVISIONER_SECRET must be set")
        if self.database_url is None:
            problems.append("CIVICSHARE_DATABASE_URL must name an external PostgreSQL (the embedded one is for demos)")
        if self.mail_capture_dir is not None:
            problems.append("CIVICSHARE_MAIL_CAPTURE_DIR is the demo's mail sink; unset it in production")
        if problems:
            raise ValueError(
                "production mode refuses to start: "
                + "; ".join(problems)
                + " (production is the default: for a demo or development on this machine run `civicshare demo` "
                "or set CIVICSHARE_MODE=development)"
            )
        return self


class SettingsError(Exception):
    """Settings that cannot be used, explained one line per problem."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"]) or "settings"
            env_name = f"CIVICSHARE_{field.upper()}" if problem["loc"] else field
            lines.append(f"{env_name}: {problem['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
