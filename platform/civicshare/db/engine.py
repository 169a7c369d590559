"""Engines and connections. A council's tables are reached through `tenant_connection`, or for the
submission statement through `civicshare.db.driver.CouncilStatement`: both name the council's schema."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from civicshare.db.driver import STATEMENT_FUNCTIONS_OPTION
from civicshare.db.embedded import EmbeddedServer, start_embedded_postgres
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.db.outage import is_database_outage
from civicshare.db.pool import FairAsyncQueuePool
from civicshare.db.pooler_connection import PoolerConnection
from civicshare.settings import Settings

if TYPE_CHECKING:
    from civicshare.db.replica import ReplicaReads

T = TypeVar("T")


class CouncilSchema(Protocol):
    """What a tenant connection needs of a council: the schema its tables live in. The council's
    `TenantContext` (civicshare.tenancy, a layer above) is what every caller passes."""

    @property
    def schema(self) -> str: ...


def _json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def _outage_is_a_disconnect(context: ExceptionContext) -> None:
    # SQLAlchemy drops a connection only when asyncpg already reports it closed. A server that dies
    # first says "terminating connection due to unexpected postmaster exit": returned to the pool, that
    # connection would fail the next request to borrow it, after the database is back.
    if is_database_outage(context.original_exception):
        context.is_disconnect = True


def drops_broken_connections(engine: AsyncEngine) -> AsyncEngine:
    event.listen(engine.sync_engine, "handle_error", _outage_is_a_disconnect)
    return engine


def pooler_safe(url: str, connect_args: dict[str, Any], *, transaction_pooling: bool) -> tuple[str, dict[str, Any]]:
    """The URL and connect arguments for a server reached directly, or through a pooler in transaction
    mode (PgBouncer 1.18: a client's statements may run on any server connection, one transaction at a
    time, and prepared statements do not follow it). Behind such a pooler nothing is cached across
    transactions: asyncpg prepares each statement within its transaction as the unnamed statement (its
    choice when it caches none), which the next statement replaces; a named one would need closing
    afterwards, a round trip more per statement through the pooler. Of a statement run unnamed without
    preparing, only its description is kept, on our side (`PoolerConnection`)."""
    if not transaction_pooling:
        return url, connect_args
    pooled_url = make_url(url).update_query_dict({"prepared_statement_cache_size": "0"})
    return pooled_url.render_as_string(hide_password=False), {
        **connect_args,
        "statement_cache_size": 0,
        "connection_class": PoolerConnection,
    }


def make_engine(
    url: str, *, pool_size: int = 10, transaction_pooling: bool = False, statement_functions: bool = False
) -> AsyncEngine:
    # The schema is written into every statement (schema_translate_map), never set with search_path,
    # so a pooled connection carries no council from one request to the next; so it works behind PgBouncer.
    # No overflow: a connection opened beyond the pool is closed when returned, and under load that
    # meant a new PostgreSQL backend every few requests. Requests wait for one in arrival order instead.
    url, connect_args = pooler_safe(
        url, {"server_settings": {"application_name": "civicshare"}}, transaction_pooling=transaction_pooling
    )
    engine = create_async_engine(
        url,
        poolclass=FairAsyncQueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        # JSON columns (answers, settings) are written and read by msgspec: the same JSON (JSONB keeps
        # values, not text) in about a fifth of the standard library's time.
        json_serializer=_json_text,
        json_deserializer=msgspec.json.decode,
        connect_args=connect_args,
        # The hottest statements as functions of each council's schema, planned once a server connection
        # (`civicshare.db.statement_functions`); never on a replica, which cannot make them.
        execution_options={STATEMENT_FUNCTIONS_OPTION: statement_functions},
    )
    return drops_broken_connections(engine)


@dataclass
class Database:
    """The platform's database: the request engine, a small one for lookups, and the embedded server
    when one was started.

    Lookups that a request makes beside the connection it already holds (reloading the council
    directory or a council's offer, reading a sign-in session) take their connection from `lookups`,
    a pool of their own: were they to share the request pool, a burst of requests each holding one
    connection while waiting for a second would exhaust it and wait forever.
    """

    engine: AsyncEngine
    url: str
    embedded: EmbeddedServer | None = None
    # Set when `url` is a pooler in transaction mode (PgBouncer): sessions that LISTEN or set startup
    # options (the job worker, the outbox relay) connect to `direct_url`, the server itself.
    transaction_pooling: bool = False
    direct_url: str | None = None
    # A streaming standby for reports, exports and dashboards (`read`); None: they read the primary.
    replica: ReplicaReads | None = None
    lookups: AsyncEngine = field(init=False)

    def __post_init__(self) -> None:
        url, connect_args = pooler_safe(
            self.url,
            {"server_settings": {"application_name": "civicshare-lookups"}},
            transaction_pooling=self.transaction_pooling,
        )
        self.lookups = drops_broken_connections(
            create_async_engine(
                url, poolclass=FairAsyncQueuePool, pool_size=4, max_overflow=0, connect_args=connect_args
            )
        )

    @property
    def session_url(self) -> str:
        """Where connections that keep session state (LISTEN, startup options) go."""
        return self.direct_url or self.url

    async def reads_engine(self) -> AsyncEngine:
        """The replica's engine while it is fresh, otherwise the primary's (for reads that cannot be
        run again, like a download already streaming)."""
        if self.replica is not None and await self.replica.is_fresh(self.lookups):
            return self.replica.engine
        return self.engine

    async def read(self, work: Callable[[AsyncEngine], Awaitable[T]], *, current: bool = False) -> T:
        """Run read-only work on the replica while it is fresh, otherwise on the primary; work the
        replica fails (stopped, unreachable, a recovery conflict) runs again on the primary. `current`:
        the replica must first replay all the primary has written by now (waiting up to the bound)."""
        from civicshare.db.replica import replica_failed

        replica = self.replica
        if replica is None:
            return await work(self.engine)
        usable = await (replica.has_replayed_now(self.lookups) if current else replica.is_fresh(self.lookups))
        if not usable:
            return await work(self.engine)
        try:
            return await work(replica.engine)
        except Exception as error:
            if not replica_failed(error):
                raise
            replica.failed(error)
            return await work(self.engine)

    async def read_council(self, council: CouncilSchema, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`read` on a connection routed to the council's schema."""

        async def routed(engine: AsyncEngine) -> T:
            async with tenant_connection(engine, council) as connection:
                return await work(connection)

        return await self.read(routed)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.lookups.dispose()
        if self.replica is not None:
            await self.replica.dispose()


def database_url(settings: Settings) -> tuple[str, EmbeddedServer | None]:
    if settings.database_url is not None:
        return settings.database_url, None
    server = start_embedded_postgres(settings.data_dir)
    return server.url("postgres"), server


def open_replica(settings: Settings) -> ReplicaReads | None:
    """The read replica the settings name, if any (through the same kind of pooler as the primary)."""
    from civicshare.db.replica import ReplicaReads

    url = settings.database_replica_url
    if url is None:
        return None
    pooled = settings.database_transaction_pooling
    engine = make_engine(url, pool_size=settings.db_pool_size, transaction_pooling=pooled)
    probe_url, probe_arguments = pooler_safe(url, {}, transaction_pooling=pooled)
    return ReplicaReads(
        engine, probe_url, probe_connect_args=probe_arguments, max_lag_seconds=settings.replica_max_lag_seconds
    )


def open_database(settings: Settings) -> Database:
    url, embedded = database_url(settings)
    pooled = settings.database_transaction_pooling
    return Database(
        engine=make_engine(
            url,
            pool_size=settings.db_pool_size,
            transaction_pooling=pooled,
            statement_functions=settings.statement_functions,
        ),
        url=url,
        embedded=embedded,
        transaction_pooling=pooled,
        direct_url=settings.database_direct_url,
        replica=open_replica(settings),
    )


@asynccontextmanager
async def tenant_connection(engine: AsyncEngine, tenant: CouncilSchema) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction whose tenant tables all point at this council's schema."""
    async with engine.begin() as connection:
        await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: tenant.schema})
        yield connection


@asynccontextmanager
async def tenant_reading(engine: AsyncEngine, tenant: CouncilSchema) -> AsyncIterator[AsyncConnection]:
    """A connection for reading only, its tenant tables pointing at this council's schema, each statement
    a transaction of its own. In a transaction at READ COMMITTED each statement reads its own snapshot
    anyway: this sends no BEGIN and no ROLLBACK, two round trips fewer (through the pooler, too)."""
    async with engine.connect() as connection:
        await connection.execution_options(
            isolation_level="AUTOCOMMIT", schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: tenant.schema}
        )
        yield connection
