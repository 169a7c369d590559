"""A SQLAlchemy Core statement run straight on a pooled asyncpg connection, compiled once.

SQLAlchemy caches a statement's compiled form, but each execution still renders the council's schema
into the SQL text (`schema_translate_map`), processes every parameter and wraps the connection and the
result: on the statement residents trigger most (a submission), that was more CPU than PostgreSQL
spent running it. `CouncilStatement` compiles the statement once, with a stand-in for the council's
schema that each council's name then replaces (compiling the submission statement takes some 10 ms of
CPU: done per council, a node spent seconds on it after each start with 400 councils), and hands the SQL
and its arguments to the driver on a connection borrowed from the engine's pool for that one statement. The
statement is still built from the table definitions, so there is no second copy of the SQL to keep in
step, and its parameters go through the same type processing SQLAlchemy would apply.

`fetch_all` runs each statement in its own transaction (asyncpg's autocommit), so it is only for work
that is complete in one statement; `read_on` runs it on a connection a page already holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

from civicshare.db import statement_functions
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER, routed_schema_of
from civicshare.db.outage import is_database_outage
from civicshare.db.statement_functions import NotKeptAsFunction, StatementFunction

log = logging.getLogger(__name__)

_REQUIRED = object()


@dataclass(frozen=True)
class _Bind:
    name: str
    default: Any
    process: Callable[[Any], Any] | None


# Stands for the council's schema in the compiled SQL: lower case, so it is written unquoted, and a name no
# table, column or function of the platform has.
_SCHEMA_STAND_IN = "civicshare_council_schema_stand_in"


@dataclass(frozen=True)
class CompiledForCouncil:
    sql: str
    binds: tuple[_Bind, ...]

    def for_schema(self, dialect: Dialect, schema: str) -> CompiledForCouncil:
        """The same statement in another council's schema (from the compiled stand-in)."""
        quoted = dialect.identifier_preparer.quote_schema(schema)
        return CompiledForCouncil(self.sql.replace(f"{_SCHEMA_STAND_IN}.", f"{quoted}."), self.binds)

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = []
        for bind in self.binds:
            value = parameters.get(bind.name, bind.default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the statement's parameter {bind.name!r}")
            values.append(bind.process(value) if bind.process is not None else value)
        return values


STATEMENT_FUNCTIONS_OPTION = "civicshare_statement_functions"
"""The engine's execution option that lets statements made `kept_as_function` run as functions."""


class CouncilStatement:
    """One statement on tenant tables, compiled once, its SQL written for each council the first time it
    runs there. `kept_as_function`: run (by `fetch_all`, and by `read_on` outside a transaction) as a
    function of the council's schema, planned once a server connection (`civicshare.db.statement_functions`),
    on an engine that allows it."""

    def __init__(self, statement: Executable, *, kept_as_function: bool = False) -> None:
        self._statement = statement
        self._templates: dict[int, CompiledForCouncil] = {}
        self._compiled: dict[tuple[int, str], CompiledForCouncil] = {}
        self._kept_as_function = kept_as_function
        self._functions: dict[tuple[int, str], StatementFunction | None] = {}  # None: run as a statement

    def _function_for(self, dialect: Dialect, schema: str, compiled: CompiledForCouncil) -> StatementFunction | None:
        key = (id(dialect), schema)
        try:
            return self._functions[key]
        except KeyError:
            quoted = dialect.identifier_preparer.quote_schema(schema)
            function = self._functions[key] = StatementFunction.of(quoted, compiled.sql, len(compiled.binds))
            return function

    def compiled_for(self, dialect: Dialect, schema: str) -> CompiledForCouncil:
        key = (id(dialect), schema)
        found = self._compiled.get(key)
        if found is None:
            template = self._templates.get(id(dialect))
            if template is None:
                template = self._templates[id(dialect)] = _compile(self._statement, dialect)
            found = self._compiled[key] = template.for_schema(dialect, schema)
        return found

    async def fetch_one(self, engine: AsyncEngine, schema: str, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run in `schema` as a transaction of its own; the first row it returns, if any."""
        rows = await self.fetch_all(engine, schema, parameters)
        return rows[0] if rows else None

    async def fetch_all(self, engine: AsyncEngine, schema: str, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run in `schema` as a transaction of its own; every row it returns."""
        functions_allowed = bool(engine.get_execution_options().get(STATEMENT_FUNCTIONS_OPTION))
        pooled = await engine.raw_connection()
        try:
            records = await self._run(pooled.driver_connection, engine.dialect, schema, parameters, functions_allowed)
        except Exception as error:
            # A connection the outage broke (its server gone, or "terminating connection due to unexpected
            # postmaster exit") is left mid-operation: handed to the next request, it fails that one too.
            if is_database_outage(error):
                await greenlet_spawn(pooled.invalidate, error)
            raise
        finally:
            await greenlet_spawn(pooled.close)
        return [dict(record) for record in records]

    async def read_on(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row it returns, run on `connection` in the council its tenant tables point at: straight
        on the driver when each of the connection's statements is a transaction of its own
        (`tenant_reading`), else through SQLAlchemy, inside the connection's transaction (begun by
        SQLAlchemy on its first statement, which the driver alone would run outside it)."""
        sync = connection.sync_connection  # None only before the connection is started
        options = sync.get_execution_options() if sync is not None else {}
        if options.get("isolation_level") != "AUTOCOMMIT":
            result = await connection.execute(self._statement, dict(parameters))
            return [dict(row) for row in result.mappings()]
        schema = routed_schema_of(options)
        if schema is None:
            raise RuntimeError("the connection points at no council's schema (tenant_reading gives one that does)")
        raw = await connection.get_raw_connection()
        functions_allowed = bool(options.get(STATEMENT_FUNCTIONS_OPTION))
        try:
            records = await self._run(raw.driver_connection, connection.dialect, schema, parameters, functions_allowed)
        except Exception as error:
            if is_database_outage(error):  # as in fetch_all: never handed on half-broken
                await connection.invalidate(error)
            raise
        return [dict(record) for record in records]

    async def _run(
        self, driver: Any, dialect: Dialect, schema: str, parameters: Mapping[str, Any], functions_allowed: bool
    ) -> list[Any]:
        """The statement's records, through its council's function when it is kept as one and allowed."""
        compiled = self.compiled_for(dialect, schema)
        arguments = compiled.arguments(parameters)
        function = (
            self._function_for(dialect, schema, compiled) if self._kept_as_function and functions_allowed else None
        )
        if function is None:
            return await driver.fetch(compiled.sql, *arguments)  # type: ignore[no-any-return]
        try:
            return await statement_functions.fetch(driver, function, arguments)
        except NotKeptAsFunction as refused:
            log.warning("%s runs as a statement: %s", function.name, refused)
            self._functions[(id(dialect), schema)] = None
            return await driver.fetch(compiled.sql, *arguments)  # type: ignore[no-any-return]


def _bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    # An array of plain values (text, numbers, dates) goes to the driver as the list it is; SQLAlchemy's
    # array processor would copy it element by element for nothing.
    if isinstance(kind, ARRAY) and kind.item_type.dialect_impl(dialect).bind_processor(dialect) is None:
        return None
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _compile(statement: Executable, dialect: Dialect) -> CompiledForCouncil:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect,
        schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: _SCHEMA_STAND_IN},
        render_schema_translate=True,
    )
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    defaults = compiled.params
    binds = []
    for name in compiled.positiontup:
        parameter = compiled.binds[name]
        default = _REQUIRED if parameter.required else defaults[name]
        binds.append(_Bind(name, default, _bind_processor(parameter.type, dialect)))
    return CompiledForCouncil(compiled.string, tuple(binds))
