"""A real PgBouncer (Debian's package) in transaction pooling, started by the tests in front of the
embedded PostgreSQL's Unix socket, on a free loopback port: the fleet's own part (civicshare.fleet)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from civicshare.db.embedded import EmbeddedServer
from civicshare.fleet.database import PgBouncer, PgBouncerMissing, pgbouncer_binary

__all__ = ["PgBouncer", "require_pgbouncer", "running_pgbouncer"]


def require_pgbouncer() -> None:
    """Skip the test without PgBouncer, or fail it in CI, which installs it."""
    try:
        pgbouncer_binary()
    except PgBouncerMissing as missing:
        reason = f"{missing}; .ci/run installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PgBouncer is required in CI: {reason}", pytrace=False)
        pytest.skip(reason)


@contextmanager
def running_pgbouncer(server: EmbeddedServer, *, server_connections: int) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode with `server_connections` server connections per database, so that
    the clients' transactions really do take turns on shared server connections."""
    require_pgbouncer()
    bouncer = PgBouncer(server_connections=server_connections, max_clients=500)
    try:
        bouncer.start({"CIVICSHARE_DATABASE_DIRECT_URL": server.url()})
        yield bouncer
    finally:
        bouncer.stop()
