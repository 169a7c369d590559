"""The council a request is for, resolved once where the request enters the platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from civicshare.tenancy.contact import AccessibilityDefinition, ContactDefinition


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    OFFBOARDING = "offboarding"


class TenantMode(StrEnum):
    TRIAL = "trial"
    LIVE = "live"


@dataclass(frozen=True)
class Branding:
    primary_colour: str
    secondary_colour: str
    text_colour: str
    logo_path: str | None
    logo_alt: str


@dataclass(frozen=True)
class TenantContext:
    """One council as a request sees it. Built by the directory; passed explicitly, never global."""

    id: int
    slug: str
    name: str
    gss_code: str
    reference_prefix: str
    status: TenantStatus
    mode: TenantMode
    schema: str
    group_slug: str | None
    branding: Branding
    domains: tuple[str, ...] = field(default=())
    contact: ContactDefinition = field(default=ContactDefinition())
    accessibility: AccessibilityDefinition = field(default=AccessibilityDefinition())

    @property
    def serves_residents(self) -> bool:
        return self.status is TenantStatus.ACTIVE

    @property
    def is_trial(self) -> bool:
        return self.mode is TenantMode.TRIAL


@dataclass(frozen=True)
class FrontDoorContext:
    """A front door as a request sees it: the shared site of an area's councils, not a council itself.

    Resolved from the Host like a council (`civicshare.tenancy.resolution`); its pages send each request
    to the council responsible (`civicshare.places.front_doors`)."""

    id: int
    slug: str
    name: str
    domains: tuple[str, ...] = field(default=())
