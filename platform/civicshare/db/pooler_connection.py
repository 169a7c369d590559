"""The driver's connection behind a pooler in transaction mode: one round trip a statement, not two.

Behind PgBouncer 1.18 in transaction mode nothing named may outlive a transaction, so asyncpg runs with
its statement cache off, and then, for every statement, first asks the server to parse and describe it
(one round trip, through the pooler), then parses it again to bind and execute it (a second). On the
submission statement that was a quarter of the CPU PostgreSQL spent on it, and the pooler's per
message cost twice over.

`PoolerConnection` keeps what the first round trip taught it (the parameter and column types, so the
codecs) per statement text, and runs a statement seen before as asyncpg does with its cache off after
the description: the unnamed statement parsed, bound and executed in one go. Nothing named is left on
the server, so the statement may run on any of the pooler's server connections. The description is
asyncpg's own, dropped whenever asyncpg drops its statement cache (a type codec changed, the schema
reloaded after an outdated-cache error) and whenever the statement fails, so that a statement whose
types a migration changed is described afresh.

Statements prepared by name (SQLAlchemy's, `Connection.prepare`) are not affected.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]

MOST_DESCRIPTIONS_KEPT = 256  # per connection; each holds its statement's text (a few kB)


class PoolerConnection(asyncpg.Connection):  # type: ignore[misc]
    """asyncpg's connection, keeping unnamed statements' descriptions (see the module's notes)."""

    __slots__ = ("_descriptions",)

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self._descriptions: dict[tuple[str, Any, bool], Any] = {}

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
        if named or not use_cache or self._stmt_cache_enabled:  # asyncpg's own ways
            return await super()._get_statement(
                query,
                timeout,
                named=named,
                use_cache=use_cache,
                ignore_custom_codec=ignore_custom_codec,
                record_class=record_class,
            )
        key = (query, record_class, ignore_custom_codec)
        statement = self._descriptions.get(key)
        if statement is None or statement.closed:
            statement = await super()._get_statement(
                query, timeout, use_cache=False, ignore_custom_codec=ignore_custom_codec, record_class=record_class
            )
            if statement.name or statement.prepared:  # not what a cache-less connection gives: keep nothing
                return statement
            if len(self._descriptions) >= MOST_DESCRIPTIONS_KEPT:
                del self._descriptions[next(iter(self._descriptions))]
            self._descriptions[key] = statement
        return statement

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
            self._descriptions.pop((query, record_class, ignore_custom_codec), None)
            raise

    def _drop_local_statement_cache(self) -> None:
        self._descriptions.clear()
        super()._drop_local_statement_cache()
