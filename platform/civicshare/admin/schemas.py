"""Wire models of the admin API (pydantic): what operators send and what they get back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from civicshare.tenancy.definitions import (
    Channel,
    Colour,
    Money,
    Slug,
    TenantDefinition,
    UnitCostOverride,
)


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- councils ---------------------------------------------------------------------------------------


class BrandingResource(Wire):
    primary_colour: str
    secondary_colour: str
    text_colour: str
    logo_alt: str | None
    logo_url: str | None = Field(description="where the council's pages fetch the uploaded logo, on its own host")


class ModuleResource(Wire):
    code: str
    enabled: bool
    settings: dict[str, Any] = Field(description="the settings in force: the group's, overridden by the council's")
    council_settings: dict[str, Any] | None
    group_settings: dict[str, Any] | None
    source: Literal["council", "group", "council+group"]


class OffboardingResource(Wire):
    started_at: datetime
    purge_after: datetime
    latest_export_id: int | None


class CouncilResource(Wire):
    slug: str
    name: str
    gss_code: str
    reference_prefix: str
    status: Literal["active", "suspended", "offboarding"]
    mode: Literal["trial", "live"]
    is_trial: bool
    group: str | None
    domains: list[str]
    branding: BrandingResource
    modules: list[ModuleResource]
    schema_name: str
    schema_revision: str | None
    offboarding: OffboardingResource | None
    definition: TenantDefinition
    created_at: datetime
    updated_at: datetime


class CouncilPage(Wire):
    items: list[CouncilResource]
    next_cursor: str | None


class CouncilChanges(Wire):
    """Only the fields sent change; the result is validated as a whole council definition."""

    name: str | None = None
    gss_code: str | None = None
    reference_prefix: str | None = None
    group: Slug | None = None
    unit_costs: dict[Channel, Money] | None = None
    unit_cost_overrides: list[UnitCostOverride] | None = None
    retention_months: dict[str, Annotated[int, Field(ge=1, le=1200)]] | None = None


class BrandingChanges(Wire):
    primary_colour: Colour | None = None
    secondary_colour: Colour | None = None
    text_colour: Colour | None = None
    logo_alt: str | None = Field(default=None, max_length=200)


class NewDomain(Wire):
    domain: str = Field(min_length=3, max_length=253)


class ModeChange(Wire):
    mode: Literal["trial", "live"]


class PurgeRequest(Wire):
    force: bool = Field(default=False, description="purge before the grace period ends (full-scope keys only)")


class TestDataPurged(Wire):
    council: str
    transactions_deleted: int
    rows_deleted: dict[str, int]


class ModuleChoiceBody(Wire):
    enabled: bool = True
    settings: dict[str, Any] = Field(default_factory=dict)


class GroupModuleBody(Wire):
    settings: dict[str, Any] = Field(default_factory=dict)


# --- groups -----------------------------------------------------------------------------------------


class GroupModuleResource(Wire):
    code: str
    settings: dict[str, Any]


class GroupResource(Wire):
    slug: str
    name: str
    members: list[str]
    modules: list[GroupModuleResource]


class GroupPage(Wire):
    items: list[GroupResource]
    next_cursor: str | None


# --- exports and purges -----------------------------------------------------------------------------


class ExportResource(Wire):
    id: int
    council: str
    size_bytes: int
    sha256: str
    schema_revision: str
    row_counts: dict[str, int]
    created_by: str
    created_at: datetime
    download_url: str


class ExportPage(Wire):
    items: list[ExportResource]
    next_cursor: str | None


class ExportJobResource(Wire):
    """An export the job worker runs: poll `poll_url` until `state` is `done` (then download from
    `download_url`) or `failed` (then `error` says why)."""

    id: int
    council: str
    state: Literal["queued", "running", "done", "failed"]
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(description="why the export failed; null unless failed")
    export: ExportResource | None = Field(description="the archive's record once done")
    download_url: str | None = Field(description="where the archive downloads from once done")
    poll_url: str


class PurgeResult(Wire):
    council: str
    schema_dropped: str
    export_id: int


# --- operator keys ----------------------------------------------------------------------------------


class NewApiKey(Wire):
    name: str = Field(min_length=3, max_length=120)
    scope: Literal["read", "full"]
    expires_in_days: int | None = Field(default=90, ge=1, le=3650, description="null: never expires")


class ApiKeyResource(Wire):
    id: int
    key_id: str
    name: str
    scope: Literal["read", "full"]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedApiKey(ApiKeyResource):
    key: str = Field(description="shown this once: store it now, the platform keeps only its hash")


class ApiKeyPage(Wire):
    items: list[ApiKeyResource]
    next_cursor: str | None


# --- audit ------------------------------------------------------------------------------------------


class AuditEvent(Wire):
    id: int
    at: datetime
    actor: str
    actor_name: str
    via: str
    action: str
    council: str | None
    service_group: str | None
    before: Any
    after: Any
    request_id: str | None


class AuditPage(Wire):
    items: list[AuditEvent]
    next_cursor: str | None


# --- usage ------------------------------------------------------------------------------------------


class DailyCount(Wire):
    day: date
    transactions: int


class CouncilUsage(Wire):
    council: str
    status: str
    mode: str
    transactions: int
    days: list[DailyCount]


class UsagePage(Wire):
    since: date
    until: date
    include_test: bool
    active_councils: int = Field(description="councils serving residents now (status active)")
    councils_with_transactions: int = Field(description="on this page: councils with a transaction in the period")
    items: list[CouncilUsage]
    next_cursor: str | None
