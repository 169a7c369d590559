"""Operator API keys: created once and shown once, stored as a SHA-256 hash, scoped, expiring, revocable.

A key reads `cs_live_<key id: 12 hex><secret>`. The key id finds the row; the hash of the whole key is
compared in constant time. The last use is written at most once a minute per key, not per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.admin.tables import operator_api_keys
from civicshare.policy.operators import Operator, OperatorScope

KEY_PREFIX = "cs_live_"
KEY_ID_LENGTH = 12
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    id: int
    key: str  # the only time the whole key exists outside the operator's hands
    row: dict[str, Any]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def create_key(
    connection: AsyncConnection, *, name: str, scope: OperatorScope, expires_at: datetime | None, created_by: str
) -> NewKey:
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    key = f"{KEY_PREFIX}{key_id}{secrets.token_urlsafe(32)}"
    row = (
        (
            await connection.execute(
                insert(operator_api_keys)
                .values(
                    key_id=key_id,
                    secret_sha256=_digest(key),
                    name=name,
                    scope=scope.value,
                    created_by=created_by,
                    expires_at=expires_at,
                )
                .returning(*key_columns())
            )
        )
        .mappings()
        .one()
    )
    return NewKey(id=row["id"], key=key, row=dict(row))


def key_columns() -> list[Any]:
    """Every column but the hash: what may be shown about a key."""
    return [column for column in operator_api_keys.c if column.name != "secret_sha256"]


async def verify_key(engine: AsyncEngine, key: str) -> Operator | None:
    if not looks_like_key(key) or len(key) < len(KEY_PREFIX) + KEY_ID_LENGTH + 32:
        return None
    key_id = key[len(KEY_PREFIX) : len(KEY_PREFIX) + KEY_ID_LENGTH]
    async with engine.connect() as connection:
        row = (
            await connection.execute(select(operator_api_keys).where(operator_api_keys.c.key_id == key_id))
        ).one_or_none()
        if row is None or not hmac.compare_digest(row.secret_sha256, _digest(key)):
            return None
        now = datetime.now(UTC)
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
            await connection.execute(
                update(operator_api_keys)
                .where(
                    operator_api_keys.c.id == row.id,
                    operator_api_keys.c.last_used_at.is_(None)
                    | (operator_api_keys.c.last_used_at < now - LAST_USE_RESOLUTION),
                )
                .values(last_used_at=now)
            )
            await connection.commit()
    return Operator(id=f"api-key:{row.key_id}", name=row.name, scope=OperatorScope(row.scope), via="api-key")


async def revoke_key(connection: AsyncConnection, key_row_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Revoke a key; returns (before, after), or None when there is no such key."""
    before = await get_key(connection, key_row_id, for_update=True)
    if before is None:
        return None
    if before["revoked_at"] is None:
        await connection.execute(
            update(operator_api_keys).where(operator_api_keys.c.id == key_row_id).values(revoked_at=datetime.now(UTC))
        )
    after = await get_key(connection, key_row_id)
    assert after is not None
    return before, after


async def get_key(connection: AsyncConnection, key_row_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(*key_columns()).where(operator_api_keys.c.id == key_row_id)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).mappings().one_or_none()
    return dict(row) if row is not None else None
