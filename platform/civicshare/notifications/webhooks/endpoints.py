"""A council's webhook endpoints: register, read, change, rotate the secret of, disable, enable, remove.

Every function takes a routed tenant connection inside the caller's transaction and writes its audit
entry (the council's staff actions, read on /staff/audit) in that same transaction. Addresses are
checked against the target policy by the caller before the transaction opens (it may wait on DNS).
The secret itself never reaches the audit log or a read model: it is returned once, by `register` and
`rotate_secret`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.notifications.events import EventKind
from civicshare.notifications.webhooks.secrets import SecretBox, new_signing_secret
from civicshare.notifications.webhooks.tables import webhook_endpoints

DESCRIPTION_MAX_LENGTH = 200
REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    description: str
    event_types: tuple[EventKind, ...] | None  # None: every kind of event
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    failures_in_a_row: int
    last_success_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    def wants(self, kind: EventKind) -> bool:
        return self.event_types is None or kind in self.event_types


def _endpoint(row: Any) -> Endpoint:
    kinds = row.event_types
    return Endpoint(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=None if kinds is None else tuple(EventKind(kind) for kind in kinds),
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        failing_since=row.failing_since,
        failures_in_a_row=row.failures_in_a_row,
        last_success_at=row.last_success_at,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_READ_COLUMNS = [column for column in webhook_endpoints.c if column.name != "secret_sealed"]


def _stored_kinds(kinds: tuple[EventKind, ...] | None) -> list[str] | None:
    return None if kinds is None else sorted({kind.value for kind in kinds})


def _described(kinds: tuple[EventKind, ...] | None) -> str:
    return "all" if kinds is None else ", ".join(sorted(kind.value for kind in kinds))


async def list_endpoints(connection: AsyncConnection) -> list[Endpoint]:
    rows = await connection.execute(select(*_READ_COLUMNS).order_by(webhook_endpoints.c.id))
    return [_endpoint(row) for row in rows]


async def find_endpoint(connection: AsyncConnection, endpoint_id: int) -> Endpoint | None:
    row = (await connection.execute(select(*_READ_COLUMNS).where(webhook_endpoints.c.id == endpoint_id))).first()
    return _endpoint(row) if row is not None else None


async def register(
    connection: AsyncConnection,
    box: SecretBox,
    officer: Officer,
    *,
    url: str,
    description: str,
    event_types: tuple[EventKind, ...] | None,
) -> tuple[Endpoint, str]:
    """A new endpoint, enabled, and its signing secret (shown to the council this once)."""
    endpoint_id = await connection.scalar(
        insert(webhook_endpoints)
        .values(
            url=url,
            description=description,
            event_types=_stored_kinds(event_types),
            secret_sealed="",
            created_by=officer.name,
        )
        .returning(webhook_endpoints.c.id)
    )
    assert endpoint_id is not None
    secret = new_signing_secret()
    await connection.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(secret_sealed=box.seal(secret, endpoint_id))
    )
    await record_action(
        connection, officer, "webhook.registered", endpoint=endpoint_id, url=url, events=_described(event_types)
    )
    found = await find_endpoint(connection, endpoint_id)
    assert found is not None
    return found, secret


_UNCHANGED: Any = object()


async def change(
    connection: AsyncConnection,
    officer: Officer,
    endpoint_id: int,
    *,
    url: str = _UNCHANGED,
    description: str = _UNCHANGED,
    event_types: tuple[EventKind, ...] | None = _UNCHANGED,
) -> Endpoint | None:
    """Change what was given; None when the council has no such endpoint."""
    values: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    if url is not _UNCHANGED:
        values["url"] = detail["url"] = url
    if description is not _UNCHANGED:
        values["description"] = detail["description"] = description
    if event_types is not _UNCHANGED:
        values["event_types"] = _stored_kinds(event_types)
        detail["events"] = _described(event_types)
    changed = await connection.scalar(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(**values, updated_at=func.now())
        .returning(webhook_endpoints.c.id)
    )
    if changed is None:
        return None
    await record_action(connection, officer, "webhook.changed", endpoint=endpoint_id, **detail)
    return await find_endpoint(connection, endpoint_id)


async def rotate_secret(
    connection: AsyncConnection, box: SecretBox, officer: Officer, endpoint_id: int
) -> tuple[Endpoint, str] | None:
    """A new signing secret replaces the old at once (shown this once); None when there is no such endpoint."""
    secret = new_signing_secret()
    changed = await connection.scalar(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(secret_sealed=box.seal(secret, endpoint_id), updated_at=func.now())
        .returning(webhook_endpoints.c.id)
    )
    if changed is None:
        return None
    await record_action(connection, officer, "webhook.secret_rotated", endpoint=endpoint_id)
    found = await find_endpoint(connection, endpoint_id)
    assert found is not None
    return found, secret


async def disable(connection: AsyncConnection, officer: Officer, endpoint_id: int, reason: str) -> Endpoint | None:
    """Stop sending to the endpoint, saying why; events that arrive meanwhile are not kept for it."""
    changed = await connection.scalar(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(enabled=False, disabled_reason=reason, disabled_at=func.now(), updated_at=func.now())
        .returning(webhook_endpoints.c.id)
    )
    if changed is None:
        return None
    await record_action(connection, officer, "webhook.disabled", endpoint=endpoint_id, reason=reason)
    return await find_endpoint(connection, endpoint_id)


async def enable(connection: AsyncConnection, officer: Officer, endpoint_id: int) -> Endpoint | None:
    """Send to the endpoint again, with its failure count started afresh."""
    changed = await connection.scalar(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(
            enabled=True,
            disabled_reason=None,
            disabled_at=None,
            failing_since=None,
            failures_in_a_row=0,
            updated_at=func.now(),
        )
        .returning(webhook_endpoints.c.id)
    )
    if changed is None:
        return None
    await record_action(connection, officer, "webhook.enabled", endpoint=endpoint_id)
    return await find_endpoint(connection, endpoint_id)


async def remove(connection: AsyncConnection, officer: Officer, endpoint_id: int) -> bool:
    """Delete the endpoint with its delivery log; False when there was no such endpoint."""
    url = await connection.scalar(
        delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).returning(webhook_endpoints.c.url)
    )
    if url is None:
        return False
    await record_action(connection, officer, "webhook.removed", endpoint=endpoint_id, url=url)
    return True
