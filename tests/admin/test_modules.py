"""Operators enable and disable modules for a council or a whole shared-service group, with settings
checked against the module's own settings model."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import delete

from civicshare.db.engine import Database
from civicshare.tenancy.definitions import GroupDefinition
from civicshare.tenancy.service import apply_group
from civicshare.tenancy.tables import service_groups
from tests.admin.conftest import onboard


def module(council: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((m for m in council["modules"] if m["code"] == code), None)


async def test_a_council_enables_configures_and_disables_a_module(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    enabled = await admin.put(f"/admin/v1/councils/{slug}/modules/highways", json={"settings": {"repair_days": 14}})
    assert enabled.status_code == 200, enabled.text
    assert module(enabled.json(), "highways") == {
        "code": "highways",
        "enabled": True,
        "settings": {"repair_days": 14},
        "council_settings": {"repair_days": 14},
        "group_settings": None,
        "source": "council",
    }
    disabled = await admin.put(f"/admin/v1/councils/{slug}/modules/highways", json={"enabled": False})
    assert module(disabled.json(), "highways")["enabled"] is False  # type: ignore[index]
    listed = (await admin.get(f"/admin/v1/councils/{slug}/modules")).json()
    assert [m["code"] for m in listed] == ["highways"]
    removed = await admin.delete(f"/admin/v1/councils/{slug}/modules/highways")
    assert removed.status_code == 200 and removed.json()["modules"] == []
    assert (await admin.delete(f"/admin/v1/councils/{slug}/modules/highways")).status_code == 404


async def test_unknown_modules_and_bad_settings_are_refused(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    unknown = await admin.put(f"/admin/v1/councils/{slug}/modules/jetpacks", json={})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "modules.jetpacks"
    bad = await admin.put(f"/admin/v1/councils/{slug}/modules/highways", json={"settings": {"repair_days": 500}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "modules.highways.settings.repair_days"
    stranger = await admin.put(f"/admin/v1/councils/{slug}/modules/waste", json={"settings": {"colour": "green"}})
    assert stranger.status_code == 422
    assert (await admin.get(f"/admin/v1/councils/{slug}")).json()["modules"] == []


async def test_members_of_a_group_inherit_its_modules(admin: httpx.AsyncClient, database: Database) -> None:
    group = GroupDefinition(slug="test-shared-waste", name="Test shared waste service")
    async with database.engine.begin() as connection:
        await connection.execute(delete(service_groups).where(service_groups.c.slug == group.slug))
        await apply_group(connection, group)
    member = (await onboard(admin, group=group.slug))["slug"]

    shared = await admin.put(
        f"/admin/v1/groups/{group.slug}/modules/waste", json={"settings": {"collection_day": "tuesday"}}
    )
    assert shared.status_code == 200, shared.text
    assert shared.json()["members"] == [member]
    inherited = module((await admin.get(f"/admin/v1/councils/{member}")).json(), "waste")
    assert inherited is not None and inherited["source"] == "group"
    assert inherited["settings"] == {"collection_day": "tuesday"} and inherited["enabled"] is True

    own = await admin.put(f"/admin/v1/councils/{member}/modules/waste", json={"settings": {"collection_day": "friday"}})
    overridden = module(own.json(), "waste")
    assert overridden is not None and overridden["source"] == "council+group"
    assert overridden["settings"] == {"collection_day": "friday"}

    assert (await admin.put(f"/admin/v1/groups/{group.slug}/modules/jetpacks", json={})).status_code == 422
    assert (await admin.put("/admin/v1/groups/no-such-group/modules/waste", json={})).status_code == 404
    listed = (await admin.get("/admin/v1/groups", params={"limit": 200})).json()
    assert group.slug in [g["slug"] for g in listed["items"]]
    gone = await admin.delete(f"/admin/v1/groups/{group.slug}/modules/waste")
    assert gone.json()["modules"] == []
    audit = (await admin.get("/admin/v1/audit-events", params={"action": "group.module_enabled"})).json()
    assert audit["items"][0]["service_group"] == group.slug
