"""The driver's connection behind a pooler in transaction mode: one round trip a statement, not two.

Behind PgBouncer 1.18 in transaction mode nothing named may outlive a transaction, so asyncpg runs with
its statement cache off, and then, for every statement, first asks the server to parse and describe it
(one round trip, through the pooler), then parses it again to bind and execute it (a second). On the
submission statement that was a quarter of the CPU PostgreSQL spent on it, and the pooler's per
message cost twice over. SQLAlchemy's statements take the same two round trips (it asks asyncpg to
prepare each one, unnamed, then runs it).

`PoolerConnection` keeps what the first round trip taught it (the parameter and column types, so the
codecs) per statement text, and runs a statement seen before as asyncpg does with its cache off after
the description: the unnamed statement parsed, bound and executed in one go. Nothing named is left on
the server, so the statement may run on any of the pooler's server connections.

The descriptions are shared by every connection of the process to the same database. Each council's
statements are texts of their own (its schema is written into them), so with 400 councils a node meets
some 10,000 texts: kept per connection, a few hundred each, most statements were described again. A
description holds only type OIDs and codecs, the same on every connection to one database (the platform
defines no types of its own). The description is asyncpg's own, dropped whenever asyncpg drops its
statement cache (a type codec changed, the schema reloaded after an outdated-cache error) and whenever the
statement fails, so that a statement whose types a migration changed is described afresh.

Statements prepared by name are not affected.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
from asyncpg.prepared_stmt import PreparedStatement  # type: ignore[import-untyped]

from civicshare.lru import LeastRecentlyUsed

# Per process; each holds its statement's text (one to a few kB) and its codecs: some 25 MB at most.
MOST_DESCRIPTIONS_KEPT = 8192

_DescriptionKey = tuple[Any, str, str, Any, bool]
_descriptions: LeastRecentlyUsed[_DescriptionKey, Any] = LeastRecentlyUsed(MOST_DESCRIPTIONS_KEPT)


def forget_descriptions() -> None:
    """Drop every kept description (each statement is described again when next run)."""
    _descriptions.clear()


class PoolerConnection(asyncpg.Connection):  # type: ignore[misc]
    """asyncpg's connection, keeping unnamed statements' descriptions (see the module's notes)."""

    def _description_key(self, query: str, record_class: Any, ignore_custom_codec: bool) -> _DescriptionKey:
        return (self._addr, self._params.database, query, record_class, ignore_custom_codec)

    async def _get_statement(
        self,
        query: str,
        timeout: float | None,  # noqa: ASYNC109 (asyncpg's signature)
        *,
        named: Any = False,
        use_cache: bool = True,
        ignore_custom_codec: bool = False,
        record_class: Any = None,
    ) -> Any:
        # `named` False and `use_cache` False is `prepare()` with the cache off, as SQLAlchemy asks: the
        # unnamed statement, which its run then parses again anyway.
        if named or self._stmt_cache_enabled:  # asyncpg's own ways
            return await super()._get_statement(
                query,
                timeout,
                named=named,
                use_cache=use_cache,
                ignore_custom_codec=ignore_custom_codec,
                record_class=record_class,
            )
        if record_class is None:
            record_class = self._protocol.get_record_class()
        key = self._description_key(query, record_class, ignore_custom_codec)
        statement = _descriptions.get(key)
        if statement is not None and not statement.closed:
            return statement
        statement = await super()._get_statement(
            query, timeout, use_cache=False, ignore_custom_codec=ignore_custom_codec, record_class=record_class
        )
        if statement.name or statement.prepared:  # not what a cache-less connection gives: keep nothing
            return statement
        return _descriptions.put(key, statement)

    async def _do_execute(
        self,
        query: str,
        executor: Any,
        timeout: float | None,  # noqa: ASYNC109 (asyncpg's signature)
        retry: bool = True,
        *,
        ignore_custom_codec: bool = False,
        record_class: Any = None,
    ) -> Any:
        try:
            return await super()._do_execute(
                query, executor, timeout, retry, ignore_custom_codec=ignore_custom_codec, record_class=record_class
            )
        except BaseException:
            self._forget(query, record_class, ignore_custom_codec)
            raise

    async def _prepare(
        self,
        query: str,
        *,
        name: Any = None,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's signature)
        use_cache: bool = False,
        record_class: Any = None,
    ) -> Any:
        if name or self._stmt_cache_enabled:
            return await super()._prepare(
                query, name=name, timeout=timeout, use_cache=use_cache, record_class=record_class
            )
        self._check_open()
        state = await self._get_statement(query, timeout, use_cache=use_cache, record_class=record_class)
        return _ForgetsOnFailure(self, query, state)

    def _forget(self, query: str, record_class: Any, ignore_custom_codec: bool) -> None:
        if record_class is None:
            record_class = self._protocol.get_record_class()
        _descriptions.pop(self._description_key(query, record_class, ignore_custom_codec))

    def _drop_local_statement_cache(self) -> None:
        forget_descriptions()
        super()._drop_local_statement_cache()


class _ForgetsOnFailure(PreparedStatement):  # type: ignore[misc]
    """An unnamed statement prepared from a kept description (SQLAlchemy's way of running one), whose
    description is forgotten when it fails, as a statement run with `fetch` has it."""

    __slots__ = ()

    async def fetch(self, *arguments: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109 (asyncpg's)
        try:
            return await super().fetch(*arguments, timeout=timeout)
        except BaseException:
            self._connection._forget(self._query, self._state.record_class, self._state.ignore_custom_codec)
            raise
