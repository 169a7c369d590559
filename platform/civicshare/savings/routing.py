"""Which council schema a connection's tenant tables go to, for the savings statements written as SQL text."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.metadata import routed_schema_of

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def routed_schema(connection: AsyncConnection) -> str:
    """The council schema this connection's tenant tables are routed to; refuses an unrouted connection."""
    options = connection.sync_connection.get_execution_options() if connection.sync_connection else {}
    schema = routed_schema_of(options)
    if schema is None or not _SCHEMA_NAME.match(schema):
        raise RuntimeError("savings data needs a connection routed to a council (civicshare.db.tenant_connection)")
    return schema


def checked_schema(schema: str) -> str:
    """A council's schema name, refused unless it is one the savings statements may write into their text."""
    if not _SCHEMA_NAME.match(schema):
        raise RuntimeError(f"{schema!r} is not a council schema name")
    return schema
