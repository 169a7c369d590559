"""A council's look: its colours as CSS custom properties for GOV.UK Frontend, and its logo.

Colours are checked again here (they reach the page inside a <style> element) and adjusted for
contrast, so a council choosing a pale colour still gets readable links and header text.

A council has one logo address, `/branding/logo`: the logo uploaded through the admin API
(`admin.branding`) when there is one, else the file its TOML names (`branding.logo_path`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.tenancy.context import Branding, TenantContext
from civicshare.tenancy.logos import council_logo, council_logo_digest

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
GOVUK_BLUE = "#1d70b8"
GOVUK_DARK_BLUE = "#003078"
GOVUK_LINK = "#1a65a6"
BLACK = "#0b0c0c"
WHITE = "#ffffff"
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
LOGO_URL = "/branding/logo"


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.03928 else ((scaled + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _colour(value: str, fallback: str) -> str:
    return value.lower() if HEX_COLOUR.match(value) else fallback


@dataclass(frozen=True)
class CouncilTheme:
    """What the page template needs to dress a page in a council's colours."""

    brand: str
    header_text: str
    header_border: str
    link: str
    link_hover: str

    @property
    def custom_properties(self) -> str:
        """The declarations for `:root`; every value is a checked #rrggbb colour."""
        return (
            f"--govuk-brand-colour:{self.brand};--cs-header-text-colour:{self.header_text};"
            f"--cs-header-border-colour:{self.header_border};--govuk-link-colour:{self.link};"
            f"--govuk-link-hover-colour:{self.link_hover}"
        )


@lru_cache(maxsize=1024)
def theme_for(branding: Branding) -> CouncilTheme:
    brand = _colour(branding.primary_colour, GOVUK_BLUE)
    secondary = _colour(branding.secondary_colour, GOVUK_DARK_BLUE)
    header_text = WHITE if contrast_ratio(brand, WHITE) >= contrast_ratio(brand, BLACK) else BLACK
    # Links sit on white: use the council's colour only where it reads as well as body text should.
    link = brand if contrast_ratio(brand, WHITE) >= 4.5 else GOVUK_LINK
    link_hover = secondary if contrast_ratio(secondary, WHITE) >= 4.5 else BLACK
    return CouncilTheme(brand=brand, header_text=header_text, header_border=secondary, link=link, link_hover=link_hover)


PLATFORM_THEME = theme_for(Branding(GOVUK_BLUE, GOVUK_DARK_BLUE, BLACK, None, ""))


@dataclass(frozen=True)
class Logo:
    body: bytes
    media_type: str
    etag: str


def logo_file(tenants_dir: Path, tenant: TenantContext) -> Path | None:
    """The council's logo file, only when it is an SVG or PNG inside the tenants folder."""
    if not tenant.branding.logo_path:
        return None
    root = tenants_dir.resolve()
    path = (root / tenant.branding.logo_path).resolve()
    if not path.is_relative_to(root) or path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        return None
    return path


@lru_cache(maxsize=512)
def _read_logo(path: Path, modified_ns: int) -> Logo:
    body = path.read_bytes()
    return Logo(body=body, media_type=LOGO_TYPES[path.suffix.lower()], etag=f'"{modified_ns:x}-{len(body):x}"')


def load_logo(tenants_dir: Path, tenant: TenantContext) -> Logo | None:
    path = logo_file(tenants_dir, tenant)
    if path is None:
        return None
    return _read_logo(path, path.stat().st_mtime_ns)


class CouncilLogos:
    """Each council's logo, the uploaded one first; pages learn whether there is one (and its version,
    for the URL) from a per-worker note kept for `max_age` seconds, like the council directory."""

    def __init__(self, engine: AsyncEngine, tenants_dir: Path, *, max_age: float) -> None:
        self._engine = engine
        self._tenants_dir = tenants_dir
        self._max_age = max_age
        self._versions: dict[int, tuple[float, str | None]] = {}

    def forget(self, tenant_id: int | None = None) -> None:
        if tenant_id is None:
            self._versions.clear()
        else:
            self._versions.pop(tenant_id, None)

    async def logo(self, tenant: TenantContext) -> Logo | None:
        async with self._engine.connect() as connection:
            found = await council_logo(connection, tenant.id)
        if found is not None:
            return Logo(body=found.content, media_type=found.content_type, etag=f'"{found.sha256}"')
        return load_logo(self._tenants_dir, tenant)

    async def refresh(self, tenant: TenantContext) -> None:
        noted = self._versions.get(tenant.id)
        if noted is None or time.monotonic() - noted[0] >= self._max_age:
            async with self._engine.connect() as connection:
                digest = await council_logo_digest(connection, tenant.id)
            if digest is None:
                logo = load_logo(self._tenants_dir, tenant)
                digest = logo.etag.strip('"') if logo else None
            self._versions[tenant.id] = (time.monotonic(), digest[:12] if digest else None)

    def url(self, tenant: TenantContext | None, root_path: str) -> str | None:
        """The logo's address for a page, or None when the council has no logo (its name stands alone)."""
        if tenant is None:
            return None
        noted = self._versions.get(tenant.id)
        if noted is None:  # not looked up yet in this worker (an error page): the file logo, if any
            return f"{root_path}{LOGO_URL}" if logo_file(self._tenants_dir, tenant) else None
        return f"{root_path}{LOGO_URL}?v={noted[1]}" if noted[1] else None
