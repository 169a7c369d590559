"""A real streaming standby of the test database's server, made by `civicshare.db.replica_server` with
the embedded distribution's own binaries, for this package's tests; stopped and deleted after them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from civicshare.db.embedded import EmbeddedServer
from civicshare.db.replica_server import StandbyServer, binaries, start_standby, stop_standby


def _binaries_or_skip() -> None:
    missing = [name for name in ("pg_basebackup", "pg_ctl", "postgres") if not (binaries() / name).exists()]
    if not missing:
        return
    reason = f"the embedded PostgreSQL distribution lacks {', '.join(missing)}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"a read replica is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# Only this package's tests use the standby: stopped at their end, it does not replay the rest of the
# session's writes (every council both test workers make) and take half a minute to stop after them.
@pytest.fixture(scope="package")
def standby_directory(embedded_postgres: EmbeddedServer, database_url: str) -> Iterator[Path]:
    _binaries_or_skip()
    parent = Path(tempfile.mkdtemp(prefix="civicshare-standby-"))
    directory = parent / "data"
    start_standby(database_url, directory)
    yield directory
    stop_standby(directory, remove=True)
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def standby(standby_directory: Path, database_url: str) -> StandbyServer:
    """The session's standby, started again if a test stopped it."""
    return start_standby(database_url, standby_directory)
