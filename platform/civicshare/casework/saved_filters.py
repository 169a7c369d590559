"""An officer's saved queue filters: a name and the queue's query string, theirs alone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.tables import saved_filters

NAME_MAX_LENGTH = 80
MOST_PER_OFFICER = 30


class TooManySavedFilters(Exception):
    pass


@dataclass(frozen=True)
class SavedFilter:
    id: int
    name: str
    query: str


async def filters_of(connection: AsyncConnection, subject: str) -> list[SavedFilter]:
    rows = await connection.execute(
        select(saved_filters).where(saved_filters.c.owner_subject == subject).order_by(saved_filters.c.name)
    )
    return [SavedFilter(row.id, row.name, row.query) for row in rows]


async def save_filter(connection: AsyncConnection, subject: str, name: str, query: str) -> None:
    held = await connection.scalar(
        select(func.count()).select_from(saved_filters).where(saved_filters.c.owner_subject == subject)
    )
    if (held or 0) >= MOST_PER_OFFICER:
        raise TooManySavedFilters(subject)
    await connection.execute(insert(saved_filters).values(owner_subject=subject, name=name, query=query))


async def forget_filter(connection: AsyncConnection, subject: str, filter_id: int) -> None:
    """Remove one of the officer's own filters (another officer's is left alone)."""
    await connection.execute(
        delete(saved_filters).where(saved_filters.c.id == filter_id, saved_filters.c.owner_subject == subject)
    )
