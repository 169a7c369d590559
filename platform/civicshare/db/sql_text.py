"""Names and values written into SQL text, for scripts sent whole (DDL, several statements in one round
trip) where bound parameters cannot go."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql.base import PGDialect

_PREPARER = PGDialect().identifier_preparer  # type: ignore[no-untyped-call]


def identifier(name: str) -> str:
    """A schema, table or other name, always quoted."""
    return _PREPARER.quote_identifier(name)


def literal(value: str) -> str:
    """A string constant."""
    return "'" + value.replace("'", "''") + "'"
