"""Idempotent writes of a system: what a write answered is kept under its key's `Idempotency-Key`, in
the same transaction as the write, so a repeat answers the same and never writes twice.

A second request with the same key while the first is still running waits on the first's row (the
primary key), then answers what the first stored; if the first failed, its row went with it and the
second one does the work. The same key sent with another body (or to another request or operation)
is refused: it names a different request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.systems.tables import system_idempotency


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


class KeyReused(Exception):
    """The Idempotency-Key was used before for a different request."""


def fingerprint(operation: str, body: object) -> str:
    """The request a key names: the operation (method and path) and its body, with keys in order."""
    encoded = msgspec.json.encode(body, order="deterministic")
    return hashlib.sha256(operation.encode() + b"\n" + encoded).hexdigest()


async def claim(
    connection: AsyncConnection, system_key_id: int, idempotency_key: str, request_fingerprint: str
) -> StoredAnswer | None:
    """None when this request is the first with the key (do the work, then `remember`); the answer
    stored for it otherwise. Raises KeyReused for the same key with a different request."""
    claimed = (
        await connection.execute(
            insert(system_idempotency)
            .values(
                system_key_id=system_key_id,
                idempotency_key=idempotency_key,
                fingerprint=request_fingerprint,
                status_code=0,
            )
            .on_conflict_do_nothing()
            .returning(system_idempotency.c.system_key_id)
        )
    ).one_or_none()
    if claimed is not None:
        return None
    stored = (
        await connection.execute(
            select(system_idempotency.c.fingerprint, system_idempotency.c.status_code, system_idempotency.c.body).where(
                system_idempotency.c.system_key_id == system_key_id,
                system_idempotency.c.idempotency_key == idempotency_key,
            )
        )
    ).one()
    if stored.fingerprint != request_fingerprint:
        raise KeyReused(idempotency_key)
    return StoredAnswer(stored.status_code, stored.body)


async def remember(
    connection: AsyncConnection, system_key_id: int, idempotency_key: str, status_code: int, body: Any
) -> None:
    await connection.execute(
        update(system_idempotency)
        .where(
            system_idempotency.c.system_key_id == system_key_id,
            system_idempotency.c.idempotency_key == idempotency_key,
        )
        .values(status_code=status_code, body=body)
    )


async def forget_answers_before(connection: AsyncConnection, before: datetime) -> int:
    """Forget the keys of writes made before `before` (a repeat after that is a new request)."""
    result = await connection.execute(delete(system_idempotency).where(system_idempotency.c.created_at < before))
    return result.rowcount
