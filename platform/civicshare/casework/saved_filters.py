"""An officer's saved queue filters: a name and the queue's query string, theirs alone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
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


OWNER_PARAMETER = "saved_filters_owner"


@cache
def filters_as_json() -> ColumnElement[Any]:
    """An officer's filters, in order of name, as one JSON value: to read beside another statement's rows
    (the queue's) rather than in a statement of their own. The officer is the parameter `OWNER_PARAMETER`
    (`owner_parameters`); built once, so a statement that reads it beside its rows can be kept and used
    again. `from_json` reads it."""
    listed = func.jsonb_agg(
        aggregate_order_by(
            func.jsonb_build_array(saved_filters.c.id, saved_filters.c.name, saved_filters.c.query),
            saved_filters.c.name,
        )
    )
    owner = bindparam(OWNER_PARAMETER, type_=saved_filters.c.owner_subject.type)
    return (
        select(func.coalesce(listed, func.jsonb_build_array(), type_=JSONB))
        .where(saved_filters.c.owner_subject == owner)
        .correlate(None)
        .scalar_subquery()
    )


def owner_parameters(subject: str) -> dict[str, Any]:
    return {OWNER_PARAMETER: subject}


def from_json(listed: list[list[Any]]) -> list[SavedFilter]:
    return [SavedFilter(int(filter_id), str(name), str(query)) for filter_id, name, query in listed]


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
