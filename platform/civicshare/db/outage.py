"""The database cannot be reached: one answer for it, wherever a request finds out.

PostgreSQL restarting, stopped, killed or out of connections shows up as many different exceptions,
depending on who noticed: asyncpg (a refused or vanished socket, "the database system is starting up",
"terminating connection due to administrator command", a connection closed mid-statement),
SQLAlchemy wrapping those (`connection_invalidated`, interface errors) or its pool timing out.
`outage_problem` recognises them all and answers 503 with Retry-After instead of a 500: the council's
records are not broken, only out of reach for a moment.

The contract for submissions: a 503 means "not recorded as far as we know; send it again with the same
Idempotency-Key". A submission whose commit was in flight when the connection died may in fact have
been recorded, and the retry with its key then answers with that transaction: each is stored once.
"""

from __future__ import annotations

from collections.abc import Iterator

from asyncpg.exceptions import (  # type: ignore[import-untyped]
    CannotConnectNowError,
    ConnectionDoesNotExistError,
    InterfaceError,
    InternalClientError,
    OperatorInterventionError,
    PostgresConnectionError,
    TooManyConnectionsError,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from civicshare.http.problems import Problem

RETRY_AFTER_SECONDS = 5

_DRIVER_OUTAGES = (
    PostgresConnectionError,  # SQLSTATE class 08: the connection failed or was refused
    CannotConnectNowError,  # the database system is starting up / shutting down
    OperatorInterventionError,  # class 57: admin shutdown, crash shutdown, query cancelled by restart
    TooManyConnectionsError,
    ConnectionDoesNotExistError,  # the connection was closed in the middle of an operation
    InternalClientError,  # a connection an outage left mid-operation: "another operation is in progress"
    ConnectionError,  # refused or reset socket
    TimeoutError,  # connecting took too long
    PoolTimeout,
    DisconnectionError,
)


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        found = pending.pop()
        if found is None or id(found) in seen:
            continue
        seen.add(id(found))
        yield found
        pending += [found.__cause__, found.__context__, getattr(found, "orig", None)]


def is_database_outage(error: BaseException) -> bool:
    """True when `error`, or what caused it, says the database cannot be reached just now."""
    if isinstance(error, Problem):  # answered already, whatever led to it (an identity provider down, say)
        return False
    for cause in _causes(error):
        if isinstance(cause, _DRIVER_OUTAGES):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, InterfaceError) and "closed" in str(cause):  # "connection is closed"
            return True
        # A socket that is not there (the server's Unix socket while it restarts) carries no file
        # name; a missing file of the platform's own (an attachment) does, and is not an outage.
        if type(cause) in (OSError, FileNotFoundError) and getattr(cause, "filename", None) is None:
            return True
    return False


def database_unavailable() -> Problem:
    return Problem(
        503,
        "Service temporarily unavailable",
        "The council's records cannot be reached for a moment, so this could not be done. Try again in "
        f"{RETRY_AFTER_SECONDS} seconds; if you were sending a request, send it again with the same "
        "Idempotency-Key: it is recorded once, however many times it is sent.",
        name="database-unavailable",
        headers={"retry-after": str(RETRY_AFTER_SECONDS)},
    )


def outage_problem(error: BaseException) -> Problem | None:
    """The 503 problem to answer with when `error` is the database being out of reach, else None."""
    return database_unavailable() if is_database_outage(error) else None
