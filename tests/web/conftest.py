"""Fixtures for the resident website: the shipped councils, a real Chromium, and an axe-core check.

Browser tests use Debian's Chromium (`/usr/bin/chromium`, or CIVICSHARE_CHROMIUM) driven by
Playwright. Where it cannot start they are skipped with the reason, except under CI=true, where
that is a failure: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from civicshare.db.engine import Database
from civicshare.settings import PROJECT_ROOT
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.tenancy.files import load_catalogue
from civicshare.tenancy.service import apply_tenant
from civicshare.tenancy.sync import sync_catalogue
from tests.web.browsing import AXE, CHROMIUM, CHROMIUM_ARGS, watch_content_security

# What Kingston and Newham offer in these tests: highways and waste, Newham at its own garden waste price,
# and parking and council tax as their files in tenants/ configure them.
OFFERED_MODULES = {
    "kingston": {"highways": ModuleChoice(), "waste": ModuleChoice()},
    "newham": {
        "highways": ModuleChoice(),
        "waste": ModuleChoice(settings={"garden_waste_price_per_bin_pence": 6500}),
    },
}

OWN_FILE_MODULES = ("parking", "council_tax")


@pytest.fixture(scope="module")
async def shipped_councils(database: Database) -> list[str]:
    """The councils in tenants/ (Kingston, Newham...), Kingston and Newham offering the highways and waste
    modules as set here: applied again for each test module, since other tests on the same database (the
    demo command's) sync tenants/ as its files stand (Kingston's own garden waste price, for one)."""
    catalogue = load_catalogue(PROJECT_ROOT / "tenants")
    await sync_catalogue(database.engine, catalogue)
    async with database.engine.begin() as connection:
        for tenant in catalogue.tenants:
            if tenant.slug in OFFERED_MODULES:
                # Parking and council tax as their own files set them (zones, account numbers).
                own = {code: tenant.modules.get(code, ModuleChoice()) for code in OWN_FILE_MODULES}
                modules = {**OFFERED_MODULES[tenant.slug], **own}
                await apply_tenant(connection, tenant.model_copy(update={"modules": modules}))
    return [tenant.slug for tenant in catalogue.tenants]


def _cannot_run(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _cannot_run("Playwright for Python is not installed (uv sync installs it with the dev group)")
    if not CHROMIUM.exists():
        _cannot_run(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        _cannot_run(f"axe-core is not installed at {AXE} (make assets runs npm ci)")
    playwright = await async_playwright().start()
    try:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        await playwright.stop()
        _cannot_run(f"Chromium at {CHROMIUM} could not start: {error}")
    try:
        yield chromium
    finally:
        await chromium.close()
        await playwright.stop()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1024, "height": 800})
    page = await context.new_page()
    watch_content_security(page)
    yield page
    await context.close()
