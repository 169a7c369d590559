"""The operator audit log: who did what to which council, when, with the state before and after.

`record` is called by every change inside the change's own transaction, so a change and its audit
entry commit or roll back together. Nothing updates or deletes entries (a trigger refuses it too).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin.tables import audit_events
from civicshare.observability.logs import request_id_var
from civicshare.policy.operators import Operator


def as_json(value: Any) -> Any:
    """Dates, decimals and the like as the JSON strings a client would have seen."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


async def record(
    connection: AsyncConnection,
    operator: Operator,
    action: str,
    *,
    council: str | None = None,
    service_group: str | None = None,
    before: Any = None,
    after: Any = None,
) -> int:
    event_id = await connection.scalar(
        insert(audit_events)
        .values(
            actor=operator.id,
            actor_name=operator.name,
            via=operator.via,
            action=action,
            council=council,
            service_group=service_group,
            before=as_json(before),
            after=as_json(after),
            request_id=request_id_var.get(),  # to find the request in the logs
        )
        .returning(audit_events.c.id)
    )
    assert event_id is not None
    return int(event_id)


def audit_query(
    *,
    council: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> Select[Any]:
    """Newest first; `before_id` continues a page."""
    query = select(audit_events).order_by(audit_events.c.id.desc())
    if council is not None:
        query = query.where(audit_events.c.council == council)
    if actor is not None:
        query = query.where(audit_events.c.actor == actor)
    if action is not None:
        query = query.where(audit_events.c.action == action)
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    if until is not None:
        query = query.where(audit_events.c.at < until)
    if before_id is not None:
        query = query.where(audit_events.c.id < before_id)
    return query
