"""A council's Open311 client keys: one per client (FixMyStreet, a 311 app), issued by the council's
administrators and shown once, stored as a SHA-256 hash, revocable; creation and revocation are written to
the council's audit log (`staff_actions`).

A key reads `cs_o311_<key id: 12 hex><secret>`. The key id finds the row in the schema of the council the
request was addressed to, so another council's key is simply not found; the hash of the whole key is
compared in constant time. The last use is written at most once a minute per key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.systems.tables import open311_clients

KEY_PREFIX = "cs_o311_"
KEY_ID_LENGTH = 12
SECRET_BYTES = 32
NAME_MAX_LENGTH = 80
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Open311Client:
    """A client as it may be shown: everything but its key's hash."""

    id: int
    key_id: str
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        return "revoked" if self.revoked_at is not None else "active"

    @property
    def actor(self) -> Officer:
        """The client as a request's history and the audit log name it."""
        return Officer(f"open311:{self.key_id}", f"{self.name} (Open311)")


@dataclass(frozen=True)
class NewOpen311Client:
    client: Open311Client
    key: str  # the only time the whole key exists outside the client's hands


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_SHOWN = [column for column in open311_clients.c if column.name != "secret_sha256"]


def _client(row: Any) -> Open311Client:
    return Open311Client(
        id=row.id,
        key_id=row.key_id,
        name=row.name,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        last_used_at=row.last_used_at,
    )


async def create_client(connection: AsyncConnection, admin: Officer, name: str) -> NewOpen311Client:
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    key = f"{KEY_PREFIX}{key_id}{secrets.token_urlsafe(SECRET_BYTES)}"
    row = (
        await connection.execute(
            insert(open311_clients)
            .values(key_id=key_id, secret_sha256=_digest(key), name=name, created_by=admin.name)
            .returning(*_SHOWN)
        )
    ).one()
    await record_action(connection, admin, "open311-client-created", key=key_id, name=name)
    return NewOpen311Client(_client(row), key)


async def council_clients(connection: AsyncConnection) -> list[Open311Client]:
    query = select(*_SHOWN).order_by(open311_clients.c.revoked_at.is_not(None), open311_clients.c.id)
    return [_client(row) for row in await connection.execute(query)]


async def revoke_client(connection: AsyncConnection, admin: Officer, client_id: int) -> Open311Client | None:
    """Revoke a client's key at once (again changes nothing); None when the council has no such client."""
    revoked = (
        await connection.execute(
            update(open311_clients)
            .where(open311_clients.c.id == client_id, open311_clients.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), revoked_by=admin.name)
            .returning(open311_clients.c.key_id, open311_clients.c.name)
        )
    ).one_or_none()
    if revoked is not None:
        await record_action(connection, admin, "open311-client-revoked", key=revoked.key_id, name=revoked.name)
    row = (await connection.execute(select(*_SHOWN).where(open311_clients.c.id == client_id))).one_or_none()
    return _client(row) if row is not None else None


def _key_id(presented: str) -> str | None:
    if not presented.startswith(KEY_PREFIX) or not len(KEY_PREFIX) + KEY_ID_LENGTH < len(presented) <= 200:
        return None
    return presented[len(KEY_PREFIX) : len(KEY_PREFIX) + KEY_ID_LENGTH]


async def verify_client_key(connection: AsyncConnection, presented: str) -> Open311Client | None:
    """The active client of this council (the connection's) whose key `presented` is; None otherwise."""
    key_id = _key_id(presented)
    if key_id is None:
        return None
    row = (await connection.execute(select(open311_clients).where(open311_clients.c.key_id == key_id))).one_or_none()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_sha256, _digest(presented)):
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        await connection.execute(
            update(open311_clients)
            .where(
                open311_clients.c.id == row.id,
                or_(
                    open311_clients.c.last_used_at.is_(None),
                    open311_clients.c.last_used_at < now - LAST_USE_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
        )
    return _client(row)
