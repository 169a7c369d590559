"""A council's hottest statements kept as SQL functions of its own schema, so that PostgreSQL parses and
plans each once a server connection instead of on every call.

Behind PgBouncer 1.18 in transaction mode nothing prepared outlives a transaction, so every statement is
sent as text, and PostgreSQL parses, analyses and plans it each time. For the submission statement (7 kB
of SQL: five tables written in one statement) that was 1.2 of the 1.8 ms of CPU its backend spent on it;
prepared once, it cost 0.5. A SQL function's statement is planned once a session and its plan kept
(PostgreSQL 18 keeps SQL functions' plans in the plan cache), and a call to it is a statement short to
parse. The function is the council's statement as it is written for that council, unchanged, so it runs
as the statement would: in the caller's transaction, with the caller's rights, raising the same errors.

A function is named after a hash of its statement's text, so a statement changed by a new release is a
new function, and nodes of the old release and the new one can run side by side. It is made the first time
a call finds it missing, by whichever node gets there first (a second node making it at the same moment
is told so, and calls it). A function whose result no longer matches its tables (a migration changed a
column's type) is made again. A schema is dropped with its functions; those of statements an older
release ran stay until then (a few each release, a few kB each).

Cost: each server connection keeps each function's parsed statement and plan: about 1.1 MB per council
for the three council statements kept this way (measured over 100 councils), on top of the relation cache
(about 0.8 MB per council).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from asyncpg import Record  # type: ignore[import-untyped]
from asyncpg.exceptions import (  # type: ignore[import-untyped]
    DatatypeMismatchError,
    DuplicateFunctionError,
    InsufficientPrivilegeError,
    InternalServerError,
    InvalidCachedStatementError,
    InvalidFunctionDefinitionError,
    ReadOnlySQLTransactionError,
    UndefinedFunctionError,
    UniqueViolationError,
)

log = logging.getLogger(__name__)

FUNCTION_PREFIX = "civicshare_statement_"
_BODY_QUOTE = "$civicshare_statement$"
_ATTEMPTS = 3
# Planned once for any values, the plan made on the first call and kept. Left to choose, PostgreSQL plans
# the first five calls on each server connection for their own values: with 400 councils most calls were
# among some connection's first five for their council, and cost 1.0-1.6 ms of the backend's CPU on the
# submission statement against 0.6-0.8 (measured over 100 councils). The statements kept this way find
# their rows by a unique key, or walk one index in order (requests.json): measured on two councils, its
# generic plan took no longer than the planner's own choice.
_OPTIONS = "SET plan_cache_mode = force_generic_plan"


class NotKeptAsFunction(Exception):
    """The statement cannot be a function (it returns no rows, or two columns of one name), or cannot be
    made one here (the role may not create in the schema): it runs as a statement."""


@dataclass(frozen=True)
class StatementFunction:
    """One council's statement as a function of its schema."""

    quoted_schema: str
    name: str
    statement: str
    call: str

    @classmethod
    def of(cls, quoted_schema: str, statement: str, parameter_count: int) -> StatementFunction:
        name = FUNCTION_PREFIX + hashlib.sha256((_OPTIONS + statement).encode()).hexdigest()[:24]
        placeholders = ", ".join(f"${number}" for number in range(1, parameter_count + 1))
        return cls(quoted_schema, name, statement, f"SELECT * FROM {quoted_schema}.{name}({placeholders})")


async def fetch(connection: Any, function: StatementFunction, arguments: list[Any]) -> list[Record]:
    """The statement's rows through its function, made first if it is missing, or made again if what it
    returns no longer matches its statement (as an older release's tables had it)."""
    for attempt in range(_ATTEMPTS):
        last = attempt == _ATTEMPTS - 1
        try:
            records: list[Record] = await connection.fetch(function.call, *arguments)
            return records
        except UndefinedFunctionError:
            if last:
                raise
            await _make(connection, function)
        except (DatatypeMismatchError, InvalidFunctionDefinitionError):  # "return type mismatch"
            if last:
                raise
            await _make(connection, function, again=True)
        except InvalidCachedStatementError:  # the call's kept description was of the function replaced
            if last:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _make(connection: Any, function: StatementFunction, *, again: bool = False) -> None:
    if _BODY_QUOTE in function.statement:
        raise NotKeptAsFunction("the statement holds the quote its function's body would be written in")
    described = await connection.prepare(function.statement)
    parameters = [parameter.oid for parameter in described.get_parameters()]
    columns = [(attribute.name, attribute.type.oid) for attribute in described.get_attributes()]
    if not columns:
        raise NotKeptAsFunction("the statement returns no rows")
    if len({name for name, _ in columns}) < len(columns):
        raise NotKeptAsFunction("the statement returns two columns of one name")
    type_names = dict(
        await connection.fetch(
            "SELECT t.oid, format_type(t.oid, NULL) FROM unnest($1::oid[]) AS t(oid)",
            sorted(set(parameters) | {oid for _, oid in columns}),
        )
    )
    qualified = f"{function.quoted_schema}.{function.name}"
    signature = f"{qualified}({', '.join(type_names[oid] for oid in parameters)})"
    returned = ", ".join(f"{_quoted(name)} {type_names[oid]}" for name, oid in columns)
    definition = (
        f"CREATE FUNCTION {signature} RETURNS TABLE ({returned}) LANGUAGE sql VOLATILE {_OPTIONS} "
        f"AS {_BODY_QUOTE}{function.statement}{_BODY_QUOTE}"
    )
    try:
        if again:
            async with connection.transaction():
                await connection.execute(f"DROP FUNCTION IF EXISTS {signature}")
                await connection.execute(definition)
        else:
            await connection.execute(definition)
    except (InsufficientPrivilegeError, ReadOnlySQLTransactionError) as error:
        # A role that may not create in the schema (its migrations run as another), or a read-only server.
        raise NotKeptAsFunction(f"{qualified} cannot be made here: {error}") from error
    except (DuplicateFunctionError, UniqueViolationError, InternalServerError) as error:
        # Another node made it a moment before ("tuple concurrently updated" is an internal error).
        if isinstance(error, InternalServerError) and "concurrently" not in str(error):
            raise
        log.debug("%s was made by another connection at the same moment", qualified)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
