"""A real PgBouncer (Debian's package) in transaction pooling, started by the tests in front of the
embedded PostgreSQL's Unix socket, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from civicshare.db.embedded import EmbeddedServer

CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")


def pgbouncer_binary() -> str:
    found = next((path for name in CANDIDATES if (path := shutil.which(name))), None)
    if found is not None:
        return found
    reason = "PgBouncer is not installed (Debian: apt-get install pgbouncer; .ci/run installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PgBouncer is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class PgBouncer:
    port: int
    log: Path

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@contextmanager
def running_pgbouncer(server: EmbeddedServer, *, server_connections: int) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode with `server_connections` server connections per database, so that
    the clients' transactions really do take turns on shared server connections."""
    socket_file = next(Path(server.socket_dir).glob(".s.PGSQL.*"))
    # PgBouncer, like PostgreSQL, refuses to run as root: it then runs as the embedded server's own user
    # (which owns the socket's directory), from a directory of its own that user can read and write.
    owner = Path(server.socket_dir).stat().st_uid
    as_owner = os.geteuid() == 0 and owner != 0
    directory = Path(tempfile.mkdtemp(prefix="civicshare-pgbouncer-"))
    port = _free_port()
    (directory / "users.txt").write_text('"postgres" ""\n')
    log = directory / "pgbouncer.log"
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.socket_dir} port={socket_file.suffix.lstrip('.')} user=postgres\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {server_connections}\nmax_client_conn = 500\n"
        f"logfile = {log}\npidfile = {directory / 'pgbouncer.pid'}\n"
        "server_reset_query =\nignore_startup_parameters = extra_float_digits\n"
    )
    if as_owner:
        for path in (directory, *directory.iterdir()):
            os.chown(path, owner, -1)
    process = subprocess.Popen(
        [pgbouncer_binary(), str(directory / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        user=owner if as_owner else None,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = log.read_text() if log.exists() else ""
                    raise RuntimeError(f"PgBouncer did not start: {said}") from error
                time.sleep(0.05)
        yield PgBouncer(port, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
