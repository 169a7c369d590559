"""A council's system keys: created by its administrators and shown once, stored as a SHA-256 hash,
scoped read or write, optionally limited to some services, expiring, revocable; every creation,
revocation and refused use written to the council's audit log (`staff_actions`).

A key reads `cs_sys_<key id: 12 hex><secret>`. The key id finds the row in the schema of the council
the request was addressed to; the hash of the whole key is compared in constant time. The last use is
written at most once a minute per key, as are refusals of a known key (a flood of refused calls must not
flood the audit log).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.systems.tables import system_keys

KEY_PREFIX = "cs_sys_"
KEY_ID_LENGTH = 12
SECRET_BYTES = 32
NAME_MAX_LENGTH = 80
LAST_USE_RESOLUTION = timedelta(minutes=1)


class KeyScope(StrEnum):
    READ = "read"  # read requests only
    WRITE = "write"  # read, move requests on and add public updates


@dataclass(frozen=True)
class SystemKey:
    """A key as it may be shown: everything but its hash."""

    id: int
    key_id: str
    name: str
    scope: KeyScope
    services: tuple[str, ...] | None  # None: every service
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def works_on(self, service: str) -> bool:
        return self.services is None or service in self.services

    @property
    def actor(self) -> Officer:
        """The key as the audit log and a request's history name it."""
        return Officer(f"system-key:{self.key_id}", self.name)


@dataclass(frozen=True)
class NewSystemKey:
    key: SystemKey
    secret: str  # the only time the whole key exists outside the system's hands


class KeyRefused(Exception):
    """The key is not one this council accepts now; `reason` is for the log and the audit entry only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _key(row: Any) -> SystemKey:
    return SystemKey(
        id=row.id,
        key_id=row.key_id,
        name=row.name,
        scope=KeyScope(row.scope),
        services=tuple(row.services) if row.services is not None else None,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        last_used_at=row.last_used_at,
    )


_SHOWN = [column for column in system_keys.c if column.name not in ("secret_sha256", "last_refused_at")]


async def create_key(
    connection: AsyncConnection,
    admin: Officer,
    *,
    name: str,
    scope: KeyScope,
    services: tuple[str, ...] | None,
    expires_at: datetime | None,
) -> NewSystemKey:
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    secret = f"{KEY_PREFIX}{key_id}{secrets.token_urlsafe(SECRET_BYTES)}"
    row = (
        await connection.execute(
            insert(system_keys)
            .values(
                key_id=key_id,
                secret_sha256=_digest(secret),
                name=name,
                scope=scope.value,
                services=list(services) if services else None,
                created_by=admin.name,
                expires_at=expires_at,
            )
            .returning(*_SHOWN)
        )
    ).one()
    created = _key(row)
    await record_action(
        connection,
        admin,
        "system-key-created",
        key=key_id,
        name=name,
        scope=scope.value,
        services=list(services) if services else None,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return NewSystemKey(created, secret)


async def council_keys(connection: AsyncConnection) -> list[SystemKey]:
    rows = await connection.execute(select(*_SHOWN).order_by(system_keys.c.revoked_at.is_not(None), system_keys.c.id))
    return [_key(row) for row in rows]


async def get_key(connection: AsyncConnection, key_row_id: int) -> SystemKey | None:
    row = (await connection.execute(select(*_SHOWN).where(system_keys.c.id == key_row_id))).one_or_none()
    return _key(row) if row is not None else None


async def revoke_key(connection: AsyncConnection, admin: Officer, key_row_id: int) -> SystemKey | None:
    """Revoke a key at once (revoking it again changes nothing); None when the council has no such key."""
    revoked = (
        await connection.execute(
            update(system_keys)
            .where(system_keys.c.id == key_row_id, system_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), revoked_by=admin.name)
            .returning(system_keys.c.key_id, system_keys.c.name)
        )
    ).one_or_none()
    if revoked is not None:
        await record_action(connection, admin, "system-key-revoked", key=revoked.key_id, name=revoked.name)
    return await get_key(connection, key_row_id)


def _key_id(presented: str) -> str | None:
    if not presented.startswith(KEY_PREFIX) or len(presented) < len(KEY_PREFIX) + KEY_ID_LENGTH + SECRET_BYTES:
        return None
    if len(presented) > 200:
        return None
    return presented[len(KEY_PREFIX) : len(KEY_PREFIX) + KEY_ID_LENGTH]


async def verify_key(connection: AsyncConnection, presented: str) -> SystemKey:
    """The key of this council (the connection's) that `presented` is; KeyRefused if none is, or if it was
    revoked or has expired. Records the last use, and a refusal of a known key in the audit log; the
    caller commits."""
    key_id = _key_id(presented)
    if key_id is None:
        raise KeyRefused("not a system key")
    row = (await connection.execute(select(system_keys).where(system_keys.c.key_id == key_id))).one_or_none()
    if row is None or not hmac.compare_digest(row.secret_sha256, _digest(presented)):
        raise KeyRefused("no such key at this council")
    key = _key(row)
    now = datetime.now(UTC)
    state = key.state(now)
    if state != "active":
        await record_refusal(connection, key, f"the key is {state}")
        raise KeyRefused(f"the key is {state}")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        await connection.execute(
            update(system_keys)
            .where(
                system_keys.c.id == key.id,
                or_(system_keys.c.last_used_at.is_(None), system_keys.c.last_used_at < now - LAST_USE_RESOLUTION),
            )
            .values(last_used_at=now)
        )
    return key


async def record_refusal(
    connection: AsyncConnection, key: SystemKey, reason: str, reference: str | None = None
) -> None:
    """An audit entry for a refused use of `key`, at most one a minute per key."""
    now = datetime.now(UTC)
    claimed = (
        await connection.execute(
            update(system_keys)
            .where(
                system_keys.c.id == key.id,
                or_(
                    system_keys.c.last_refused_at.is_(None),
                    system_keys.c.last_refused_at < now - LAST_USE_RESOLUTION,
                ),
            )
            .values(last_refused_at=now)
            .returning(system_keys.c.id)
        )
    ).one_or_none()
    if claimed is not None:
        await record_action(connection, key.actor, "system-key-refused", reference, key=key.key_id, reason=reason)
