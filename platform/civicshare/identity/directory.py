"""The identity directory port: councils as organizations and their staff, in whichever identity
provider this deployment uses (Keycloak, or the demo's dev identity).

``IdentityDirectory`` is what the rest of the platform may ask of an identity provider's directory;
``IdentityLifecycleHook`` plugs it into the council lifecycle (``civicshare.tenancy.lifecycle``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from civicshare.identity.principal import Role
from civicshare.settings import Mode, Settings
from civicshare.tenancy.context import TenantContext, TenantStatus

MEMBER_ROLES = frozenset({Role.COUNCIL_ADMIN, Role.COUNCIL_STAFF})
# Where each council's site serves its logo (the resident website's `web.branding.LOGO_URL`).
COUNCIL_LOGO_PATH = "/branding/logo"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
GOVUK_BLUE, WHITE, BLACK = "#1d70b8", "#ffffff", "#0b0c0c"


class UnknownCouncil(Exception):
    """The council has no organization in the identity provider (yet)."""


@dataclass(frozen=True)
class CouncilOrganization:
    """What the identity provider should hold for a council."""

    slug: str
    name: str
    domains: tuple[str, ...]
    enabled: bool
    # Origins whose /auth/callback may receive a sign-in (Keycloak allows no wildcard hosts).
    origins: tuple[str, ...]
    # How the identity provider's sign-in pages show the council: its colour (#rrggbb), the header text
    # colour that reads on it, and its logo.
    colour: str = GOVUK_BLUE
    text_colour: str = WHITE
    logo_url: str | None = None
    logo_alt: str = ""


@dataclass(frozen=True)
class StaffMember:
    """A member of a council's organization, as the back office lists them."""

    subject: str
    email: str
    name: str


class IdentityDirectory(Protocol):
    async def ensure_council(self, council: CouncilOrganization) -> str:
        """Create or update the council's organization (name, domains, enabled, redirect origins);
        return its id. Running it twice changes nothing."""

    async def allow_sign_in_from(self, origins: tuple[str, ...]) -> None:
        """Let residents sign in (and out) through the platform's web client on these sites' hosts: a front
        door is no council, so no council's own sign-in client covers it."""
        ...

    async def remove_council(self, slug: str) -> bool:
        """Offboard: delete the organization (people's accounts remain). True if it existed."""

    async def add_staff(self, slug: str, email: str, role: Role) -> str:
        """Make the person (created if new) a member of the council with council-admin or
        council-staff; return their subject id. Idempotent."""

    async def remove_staff(self, slug: str, email: str) -> bool:
        """End the person's membership of the council. True if they were a member."""

    async def councils_of(self, email: str) -> list[str]:
        """Slugs of the councils the person belongs to."""

    async def disable_account(self, email: str) -> str | None:
        """Disable the person's account so they can no longer sign in anywhere, and end the identity
        provider's own sessions of theirs; return their subject id, None if there is no such account."""

    async def staff_of(self, slug: str) -> list[StaffMember]:
        """Everyone who belongs to the council's organization, by email."""

    async def delete_account(self, email: str) -> str | None:
        """Delete the person's account (and the identity provider's sessions of theirs) so it no longer
        exists anywhere; return the subject id it had, None if there is no such account."""


def council_origins(tenant: TenantContext, settings: Settings) -> tuple[str, ...]:
    """Where the council's pages are served: its host under the base domain and its own domains."""
    return site_origins(tenant.slug, tenant.domains, settings)


def site_origins(slug: str, domains: tuple[str, ...], settings: Settings) -> tuple[str, ...]:
    """Where a site (a council's, or a front door's) is served: `<slug>.<base domain>` and its own domains."""
    scheme = "https" if settings.mode is Mode.PRODUCTION else "http"
    default_port = 443 if scheme == "https" else 80
    port = "" if settings.port == default_port or settings.mode is Mode.PRODUCTION else f":{settings.port}"
    origins = [f"{scheme}://{slug}.{settings.base_domain}{port}"]
    origins += [f"https://{domain}" for domain in domains]
    return tuple(dict.fromkeys(origins))


def checked_colour(value: str, fallback: str) -> str:
    return value if _COLOUR.fullmatch(value or "") else fallback


def _luminance(colour: str) -> float:
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def readable_on(background: str) -> str:
    """White text on the council's colour where it has WCAG AA contrast (4.5:1), else near-black."""
    return WHITE if (1.05 / (_luminance(background) + 0.05)) >= 4.5 else BLACK


def organization_for(tenant: TenantContext, settings: Settings) -> CouncilOrganization:
    origins = council_origins(tenant, settings)
    branding = tenant.branding
    return CouncilOrganization(
        slug=tenant.slug,
        name=tenant.name,
        domains=tuple(tenant.domains),
        enabled=tenant.status is TenantStatus.ACTIVE,
        origins=origins,
        colour=(colour := checked_colour(branding.primary_colour, GOVUK_BLUE)),
        text_colour=readable_on(colour),
        logo_url=f"{origins[0]}{COUNCIL_LOGO_PATH}" if branding.logo_path else None,
        logo_alt=branding.logo_alt or tenant.name,
    )


def check_member_role(role: Role | str) -> Role:
    if role not in MEMBER_ROLES:
        raise ValueError(f"a council member is council-admin or council-staff, not {role!r}")
    return Role(role)


class IdentityLifecycleHook:
    """Keeps the identity provider's organizations in step with the councils."""

    name = "identity"

    def __init__(self, directory: IdentityDirectory, settings: Settings) -> None:
        self.directory = directory
        self.settings = settings

    async def council_changed(self, tenant: TenantContext) -> None:
        if tenant.status is TenantStatus.OFFBOARDING:
            await self.directory.remove_council(tenant.slug)
        else:
            await self.directory.ensure_council(organization_for(tenant, self.settings))
