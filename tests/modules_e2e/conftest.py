"""Councils for end-to-end stories: two in one shared-service group (one overriding the group's garden
waste price), and one outside it with its own fees; every installed module enabled at each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from civicshare.db.engine import Database
from civicshare.modules import add_working_days
from civicshare.modules.working_days import uk_today
from civicshare.tenancy.definitions import GroupDefinition, ModuleChoice, TenantDefinition
from civicshare.tenancy.service import apply_group
from tests.conftest import CouncilFactory

ALL_MODULES = ("highways", "waste", "parking", "council_tax", "building_control")


@dataclass(frozen=True)
class Councils:
    group: str
    member: TenantDefinition  # runs the group's settings as they are
    overriding: TenantDefinition  # in the group, with its own garden waste price
    outsider: TenantDefinition  # no group, its own fees

    def all(self) -> tuple[TenantDefinition, TenantDefinition, TenantDefinition]:
        return (self.member, self.overriding, self.outsider)


GROUP_SETTINGS: dict[str, dict[str, Any]] = {
    "waste": {"garden_waste_price_per_bin_pence": 4500, "state_labels": {"resolved": "Collected"}},
    "parking": {
        "permit_price_pence": 9500,
        "penalty_charge_pence": 13000,
        "permit_zones": [{"value": "EL1", "label": "East London zone 1"}],
    },
    "highways": {"pothole_sla_working_days": 5, "state_labels": {"resolved": "Repaired"}},
}
OUTSIDER_SETTINGS: dict[str, dict[str, Any]] = {
    "waste": {"garden_waste_price_per_bin_pence": 6000, "bin_delivery_fee_pence": 2500},
    "parking": {"permit_price_pence": 12000, "permit_zones": [{"value": "K1", "label": "Town centre"}]},
    "council_tax": {"account_number_pattern": "^[0-9]{10}$", "account_number_example": "5001234567"},
}


def _modules(overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    return {code: {"enabled": True, "settings": (overrides or {}).get(code, {})} for code in ALL_MODULES}


@pytest.fixture
async def councils(make_council: CouncilFactory, database: Database) -> Councils:
    group_slug = f"group-{uuid.uuid4().hex[:8]}"
    group = GroupDefinition(
        slug=group_slug,
        name="A shared service for tests",
        modules={code: ModuleChoice(settings=settings) for code, settings in GROUP_SETTINGS.items()},
    )
    async with database.engine.begin() as connection:
        await apply_group(connection, group)
    member = await make_council(group=group_slug, modules=_modules())
    overriding = await make_council(
        group=group_slug, modules=_modules({"waste": {"garden_waste_price_per_bin_pence": 5500}})
    )
    outsider = await make_council(modules=_modules(OUTSIDER_SETTINGS))
    return Councils(group_slug, member, overriding, outsider)


ADDRESS = {"address_line": "12 Acacia Avenue", "postcode": "e15 1ab"}


def answers_for(service: str, council: TenantDefinition) -> dict[str, Any]:
    """Answers every council accepts for a service (the outsider's account numbers and zones are its own)."""
    today = uk_today()
    outsider = council.group is None
    account = "5001234567" if outsider else "12345678"
    zone = "K1" if outsider else "EL1"
    return {
        "report-pothole": {"latitude": "51.41", "longitude": "-0.30", "size": "large", "on": "road"},
        "report-streetlight": {"location_description": "Outside 4 Mill Lane", "fault": "out"},
        "report-fly-tipping": {
            "location_description": "Behind the library",
            "waste_type": "household",
            "amount": "bag",
        },
        "report-missed-bin": {**ADDRESS, "bin_type": "recycling", "collection_date": today.isoformat()},
        "order-bin": {**ADDRESS, "bin_type": "rubbish", "reason": "damaged"},
        "garden-waste-subscription": {**ADDRESS, "bins": "2", "start_date": (today + timedelta(days=14)).isoformat()},
        "resident-parking-permit": {
            **ADDRESS,
            "registration": "AB12 CDE",
            "zone": zone,
            "start_date": add_working_days(today, 10).isoformat(),  # after the council can have decided
        },
        # A demo notice issued 30 days ago: past its discount period, so the full charge.
        "pay-penalty-charge": {"pcn_number": "DM00000002", "registration": "AB12CDE"},
        "challenge-penalty-charge": {
            "pcn_number": "KN12345678",
            "registration": "AB12CDE",
            "grounds": "valid_permit_or_ticket",
            "explanation": "My permit was on the dashboard",
        },
        "single-person-discount": {
            "account_number": account,
            "living_alone_since": (today - timedelta(days=30)).isoformat(),
            "other_adults": "no",
        },
        "tell-us-you-are-moving": {
            "account_number": account,
            "move_type": "within",
            "moving_date": (today + timedelta(days=10)).isoformat(),
            "new_address_line": "3 Market Place",
            "new_postcode": "KT1 1JS",
        },
        "pay-council-tax": {"account_number": account, "amount": "125.50"},
        "request-site-inspection": {
            "application_reference": "BC/2026/01234",
            "inspection_type": "foundations",
            "preferred_date": add_working_days(today, 2).isoformat(),
            "site_contact_name": "Sam Builder",
            "site_contact_phone": "07700 900 982",
        },
    }[service]
