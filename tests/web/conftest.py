"""Fixtures for the resident website: the shipped councils (the browser is tests/conftest.py's)."""

from __future__ import annotations

import pytest

from civicshare.db.engine import Database
from civicshare.settings import PROJECT_ROOT
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.tenancy.files import load_catalogue
from civicshare.tenancy.service import apply_tenant
from civicshare.tenancy.sync import sync_catalogue

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
