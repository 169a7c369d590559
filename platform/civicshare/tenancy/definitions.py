"""What a council or a shared-service group is, as written in `tenants/*.toml` or sent to the admin API."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicshare.tenancy.contact import AccessibilityDefinition, ContactDefinition

SLUG_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
GSS_CODE_PATTERN = re.compile(r"^[ENSW]\d{8}$")
# Local authority GSS entity codes: E06 unitary, E07 district, E08 metropolitan, E09 London borough,
# E10 county, W06 Welsh unitary, S12 Scottish council area, N09 Northern Irish district.
COUNCIL_ENTITY_CODES = frozenset({"E06", "E07", "E08", "E09", "E10", "W06", "S12", "N09"})
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def checked_domains(value: tuple[str, ...]) -> tuple[str, ...]:
    """Host names in lower case without a trailing dot; refused when one is not a host name or comes twice."""
    cleaned = tuple(domain.strip().lower().rstrip(".") for domain in value)
    for domain in cleaned:
        if not DOMAIN_PATTERN.match(domain):
            raise ValueError(f"{domain!r} is not a valid domain name")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError("a domain is listed twice")
    return cleaned


CHANNELS = ("face_to_face", "phone", "email", "letter", "webchat", "web", "app")

Slug = Annotated[str, Field(min_length=2, max_length=40, pattern=SLUG_PATTERN)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
Channel = Literal["face_to_face", "phone", "email", "letter", "webchat", "web", "app"]
Money = Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=2)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrandingDefinition(StrictModel):
    primary_colour: Colour = "#1d70b8"
    secondary_colour: Colour = "#003078"
    text_colour: Colour = "#0b0c0c"
    logo: str | None = Field(default=None, description="path of an SVG or PNG logo, relative to tenants/")
    logo_alt: str | None = None


class UnitCostOverride(StrictModel):
    channel: Channel
    # Money like `unit_costs` (exact, written as a string); its range is checked below rather than as a
    # numeric constraint, so the API documents it as the string it is.
    cost: Annotated[Decimal, Field(max_digits=8, decimal_places=2)]
    service: str | None = None
    effective_from: date | None = None

    @field_validator("cost")
    @classmethod
    def _a_cost_in_range(cls, value: Decimal) -> Decimal:
        if not Decimal(0) <= value <= Decimal(1000):
            raise ValueError("a unit cost must be from 0 to 1000 pounds")
        return value


class ModuleChoice(StrictModel):
    """A module a council offers, with the settings it overrides (validated by the module's model)."""

    enabled: bool = True
    settings: dict[str, Any] = Field(default_factory=dict)


class TenantDefinition(StrictModel):
    slug: Slug
    name: str = Field(min_length=3, max_length=120)
    gss_code: str
    reference_prefix: str = Field(pattern=r"^[A-Z]{2,5}$", description="starts each reference: KNG-2026-000123")
    domains: tuple[str, ...] = ()
    group: Slug | None = None
    branding: BrandingDefinition = BrandingDefinition()
    modules: dict[str, ModuleChoice] = Field(default_factory=dict)
    unit_costs: dict[Channel, Money] = Field(default_factory=dict)
    unit_cost_overrides: tuple[UnitCostOverride, ...] = ()
    # How many months after closing a service's requests keep their personal data (by service code);
    # a service not named keeps its module's declared period.
    retention_months: dict[str, Annotated[int, Field(ge=1, le=1200)]] = Field(default_factory=dict)
    contact: ContactDefinition = ContactDefinition()
    accessibility: AccessibilityDefinition = AccessibilityDefinition()

    @field_validator("gss_code")
    @classmethod
    def _gss_code_is_a_council(cls, value: str) -> str:
        if not GSS_CODE_PATTERN.match(value):
            raise ValueError("GSS code must be a letter (E, W, S or N) followed by 8 digits, like E09000021")
        if value[:3] not in COUNCIL_ENTITY_CODES:
            raise ValueError(f"GSS code {value} is not a local authority code (E06-E10, W06, S12 or N09)")
        return value

    @field_validator("unit_cost_overrides")
    @classmethod
    def _one_cost_per_channel_service_and_day(cls, value: tuple[UnitCostOverride, ...]) -> tuple[UnitCostOverride, ...]:
        seen: set[tuple[str, str | None, date | None]] = set()
        for override in value:
            key = (override.channel, override.service, override.effective_from)
            if key in seen:
                raise ValueError(
                    f"two unit costs for {override.channel} ({override.service or 'council-wide'}) start on"
                    f" {override.effective_from.isoformat() if override.effective_from else 'the first day'}:"
                    " give one"
                )
            seen.add(key)
        return value

    @field_validator("domains")
    @classmethod
    def _domains_are_hostnames(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return checked_domains(value)


class ApportionmentDefinition(StrictModel):
    method: Literal["volume", "fixed"] = "volume"
    shares: dict[Slug, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fixed_shares_sum_to_one(self) -> ApportionmentDefinition:
        if self.method == "fixed":
            total = sum(self.shares.values(), Decimal(0))
            if total != Decimal(1):
                raise ValueError(f"fixed shares must add up to 1, not {total}")
        return self


class GroupDefinition(StrictModel):
    slug: Slug
    name: str = Field(min_length=3, max_length=120)
    modules: dict[str, ModuleChoice] = Field(default_factory=dict)
    platform_cost_per_year: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] = Decimal(0)
    apportionment: ApportionmentDefinition = ApportionmentDefinition()
