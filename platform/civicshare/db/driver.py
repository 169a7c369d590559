"""A SQLAlchemy Core statement run straight on a pooled asyncpg connection, compiled once per council.

SQLAlchemy caches a statement's compiled form, but each execution still renders the council's schema
into the SQL text (`schema_translate_map`), processes every parameter and wraps the connection and the
result: on the statement residents trigger most (a submission), that was more CPU than PostgreSQL
spent running it. `CouncilStatement` does the rendering once per council, then hands the SQL and its
arguments to the driver on a connection borrowed from the engine's pool for that one statement. The
statement is still built from the table definitions, so there is no second copy of the SQL to keep in
step, and its parameters go through the same type processing SQLAlchemy would apply.

The driver runs each statement in its own transaction (asyncpg's autocommit), so this is only for
work that is complete in one statement.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from asyncpg.exceptions import UndefinedFunctionError  # type: ignore[import-untyped]
from sqlalchemy import ARRAY, DDL, Connection, Table, event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.db.outage import is_database_outage

log = logging.getLogger(__name__)
_REQUIRED = object()
_FUNCTION_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call] # functions' bodies name their parameters as asyncpg does: $1::INTEGER


@dataclass(frozen=True)
class _Bind:
    name: str
    default: Any
    process: Callable[[Any], Any] | None


@dataclass(frozen=True)
class CompiledForCouncil:
    sql: str
    binds: tuple[_Bind, ...]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = []
        for bind in self.binds:
            value = parameters.get(bind.name, bind.default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the statement's parameter {bind.name!r}")
            values.append(bind.process(value) if bind.process is not None else value)
        return values


class CouncilStatement:
    """One statement on tenant tables, compiled for each council's schema the first time it runs there."""

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._compiled: dict[tuple[int, str], CompiledForCouncil] = {}

    def compiled_for(self, dialect: Dialect, schema: str) -> CompiledForCouncil:
        key = (id(dialect), schema)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self._statement, dialect, schema)
        return found

    async def fetch_one(self, engine: AsyncEngine, schema: str, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run in `schema` as a transaction of its own; the first row it returns, if any."""
        rows = await self.fetch_all(engine, schema, parameters)
        return rows[0] if rows else None

    async def fetch_all(self, engine: AsyncEngine, schema: str, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run in `schema` as a transaction of its own; every row it returns."""
        compiled = self.compiled_for(engine.dialect, schema)
        return await _fetch(engine, compiled.sql, compiled.arguments(parameters))


class CouncilFunction(CouncilStatement):
    """A statement each council's schema keeps as a PL/pgSQL function of its own (`function_sql`, run by
    the council's migrations and onboarding), called by name.

    Run as a statement, the statement is parsed, analysed and planned by PostgreSQL every time: behind
    the pooler nothing prepared outlives a transaction. Inside a PL/pgSQL function its plan is kept by
    the backend for the session, whichever client's transaction calls it. The function is compiled from
    this same statement (a change to the statement needs a tenant migration that creates the function
    again). In a schema without the function (a council whose migration has not run yet), the statement
    itself is run.
    """

    def __init__(self, statement: Executable, name: str) -> None:
        super().__init__(statement)
        self.name = name
        self._calls: dict[tuple[int, str], CompiledForCouncil] = {}

    def call_for(self, dialect: Dialect, schema: str) -> CompiledForCouncil:
        key = (id(dialect), schema)
        found = self._calls.get(key)
        if found is None:
            compiled = self.compiled_for(dialect, schema)
            kinds = _parameter_kinds(self._statement, dialect)
            arguments = ", ".join(f"${number}::{kind}" for number, kind in enumerate(kinds, start=1))
            columns = ", ".join(dialect.identifier_preparer.quote(name) for name, _ in _result_columns(self._statement))
            sql = f'SELECT {columns} FROM "{schema}".{self.name}({arguments})'
            found = self._calls[key] = CompiledForCouncil(sql, compiled.binds)
        return found

    def function_sql(self, schema: str) -> str:
        """CREATE OR REPLACE FUNCTION for the council's schema: the statement, its parameters in order."""
        dialect = _FUNCTION_DIALECT
        compiled = self.compiled_for(dialect, schema)
        kinds = ", ".join(_parameter_kinds(self._statement, dialect))
        quote = dialect.identifier_preparer.quote
        columns = _result_columns(self._statement)
        returns = ", ".join(f"{quote(name)} {kind.compile(dialect=dialect)}" for name, kind in columns)
        # The result's columns are also the function's variables: names in the statement mean columns.
        return (
            f'CREATE OR REPLACE FUNCTION "{schema}".{self.name}({kinds}) RETURNS TABLE ({returns})\n'
            "LANGUAGE plpgsql AS $function$\n#variable_conflict use_column\nBEGIN\n"
            f"RETURN QUERY {compiled.sql};\nEND;\n$function$"
        )

    def comes_with(self, table: Table) -> None:
        """Create the function in each new council's schema, with `table`. A new council's schema is made
        from the metadata, not by the migrations (which make it for the councils that were there before):
        as the outbox's trigger (`civicshare.notifications.tables`), also on the mock engine that compiles
        the onboarding script, where the schema is the placeholder."""

        def create(target: Table, connection: Connection, **_: Any) -> None:
            options = connection.get_execution_options() if hasattr(connection, "get_execution_options") else {}
            translate = options.get("schema_translate_map") or {}
            statement = self.function_sql(translate.get(TENANT_SCHEMA_PLACEHOLDER, TENANT_SCHEMA_PLACEHOLDER))
            if hasattr(connection, "exec_driver_sql"):
                connection.exec_driver_sql(statement)
            else:
                connection.execute(DDL(statement.replace("%", "%%")))  # type: ignore[no-untyped-call]

        event.listen(table, "after_create", create)

    async def fetch_all(self, engine: AsyncEngine, schema: str, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        call = self.call_for(engine.dialect, schema)
        arguments = call.arguments(parameters)
        try:
            return await _fetch(engine, call.sql, arguments)
        except UndefinedFunctionError:
            log.warning("%s.%s is missing (not migrated?): its statement is run instead", schema, self.name)
            return await _fetch(engine, self.compiled_for(engine.dialect, schema).sql, arguments)


def _parameter_kinds(statement: Executable, dialect: Dialect) -> list[str]:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    return [compiled.binds[name].type.compile(dialect=dialect) for name in compiled.positiontup]


def _result_columns(statement: Executable) -> list[tuple[str, TypeEngine[Any]]]:
    return [(column.name, column.type) for column in statement.selected_columns]  # type: ignore[attr-defined]


async def _fetch(engine: AsyncEngine, sql: str, arguments: list[Any]) -> list[dict[str, Any]]:
    pooled = await engine.raw_connection()
    try:
        records = await pooled.driver_connection.fetch(sql, *arguments)  # type: ignore[union-attr]
    except Exception as error:
        # A connection the outage broke (its server gone, or "terminating connection due to unexpected
        # postmaster exit") is left mid-operation: handed to the next request, it fails that one too.
        if is_database_outage(error):
            await greenlet_spawn(pooled.invalidate, error)
        raise
    finally:
        await greenlet_spawn(pooled.close)
    return [dict(record) for record in records]


def _bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    # An array of plain values (text, numbers, dates) goes to the driver as the list it is; SQLAlchemy's
    # array processor would copy it element by element for nothing.
    if isinstance(kind, ARRAY) and kind.item_type.dialect_impl(dialect).bind_processor(dialect) is None:
        return None
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _compile(statement: Executable, dialect: Dialect, schema: str) -> CompiledForCouncil:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect,
        schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema},
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
