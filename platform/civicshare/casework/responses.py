"""Response templates: a council's ready-made words for closing or updating a request.

A template belongs to one service, or to every service when its `service` is None. Officers pick one on
a request's page; what the resident then reads is the template's text as it was at that moment (it is
copied into the decision, so editing a template later never rewrites a decision already given).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.casework.tables import response_templates

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ResponseTemplate:
    id: int
    service: str | None
    title: str
    body: str
    updated_by: str


def _template(row: object) -> ResponseTemplate:
    return ResponseTemplate(row.id, row.service, row.title, row.body, row.updated_by)  # type: ignore[attr-defined]


async def templates_for(connection: AsyncConnection, service: str | None = None) -> list[ResponseTemplate]:
    """Every template (service None), or those an officer may use on one service's request."""
    query = select(response_templates).order_by(response_templates.c.service.nulls_first(), response_templates.c.title)
    if service is not None:
        query = query.where(or_(response_templates.c.service.is_(None), response_templates.c.service == service))
    return [_template(row) for row in await connection.execute(query)]


async def find_template(connection: AsyncConnection, template_id: int) -> ResponseTemplate | None:
    row = (await connection.execute(select(response_templates).where(response_templates.c.id == template_id))).first()
    return _template(row) if row is not None else None


async def save_template(
    connection: AsyncConnection,
    officer: Officer,
    *,
    service: str | None,
    title: str,
    body: str,
    template_id: int | None = None,
) -> bool:
    """Add a template, or change one; False when the template to change is not there (any more)."""
    values = {"service": service, "title": title, "body": body, "updated_by": officer.name, "updated_at": func.now()}
    if template_id is None:
        await connection.execute(insert(response_templates).values(**values))
        await record_action(connection, officer, "template-added", title=title, service=service)
        return True
    changed = await connection.execute(
        update(response_templates).where(response_templates.c.id == template_id).values(**values)
    )
    if changed.rowcount == 0:
        return False
    await record_action(connection, officer, "template-changed", title=title, service=service)
    return True


async def delete_template(connection: AsyncConnection, officer: Officer, template_id: int) -> None:
    removed = await connection.execute(
        delete(response_templates).where(response_templates.c.id == template_id).returning(response_templates.c.title)
    )
    title = removed.scalar_one_or_none()
    if title is not None:
        await record_action(connection, officer, "template-removed", title=title)
