"""Shared-service groups as operators see them, and the modules a group's members inherit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import audit
from civicshare.admin.errors import field_errors, invalid, not_found
from civicshare.admin.schemas import GroupModuleResource, GroupResource
from civicshare.catalogue.installed_modules import ModuleCatalogue, definition_problems
from civicshare.policy.operators import Operator
from civicshare.tenancy.definitions import GroupDefinition
from civicshare.tenancy.service import apply_group
from civicshare.tenancy.tables import group_modules, service_groups, tenants


async def group_resources(
    connection: AsyncConnection, *conditions: ColumnElement[bool], limit: int | None = None
) -> list[GroupResource]:
    rows = (
        await connection.execute(select(service_groups).where(*conditions).order_by(service_groups.c.slug).limit(limit))
    ).all()
    ids = [row.id for row in rows]
    members: dict[int, list[str]] = defaultdict(list)
    for group_id, slug in await connection.execute(
        select(tenants.c.group_id, tenants.c.slug).where(tenants.c.group_id.in_(ids)).order_by(tenants.c.slug)
    ):
        members[group_id].append(slug)
    modules: dict[int, list[GroupModuleResource]] = defaultdict(list)
    for row in await connection.execute(
        select(group_modules).where(group_modules.c.group_id.in_(ids)).order_by(group_modules.c.module_code)
    ):
        modules[row.group_id].append(GroupModuleResource(code=row.module_code, settings=row.settings))
    return [
        GroupResource(slug=row.slug, name=row.name, members=members[row.id], modules=modules[row.id]) for row in rows
    ]


async def group_resource(connection: AsyncConnection, slug: str) -> GroupResource:
    found = await group_resources(connection, service_groups.c.slug == slug)
    if not found:
        raise not_found("Group", f"There is no shared-service group {slug!r}.")
    return found[0]


async def change_group(
    connection: AsyncConnection,
    catalogue: ModuleCatalogue,
    operator: Operator,
    slug: str,
    action: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> GroupResource:
    stored = await connection.scalar(
        select(service_groups.c.definition).where(service_groups.c.slug == slug).with_for_update()
    )
    if stored is None:
        raise not_found("Group", f"There is no shared-service group {slug!r}.")
    before = await group_resource(connection, slug)
    try:
        definition = GroupDefinition.model_validate(change(dict(stored)))
    except ValidationError as error:
        raise invalid(field_errors(error)) from None
    if problems := definition_problems(catalogue, definition):
        raise invalid(problems)
    await apply_group(connection, definition)
    after = await group_resource(connection, slug)
    await audit.record(
        connection, operator, action, service_group=slug, before=before.model_dump(), after=after.model_dump()
    )
    return after
