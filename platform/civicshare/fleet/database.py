"""The database parts of a fleet: the embedded PostgreSQL, and PgBouncer in transaction pooling before it.

PgBouncer is Debian's (1.18): the app nodes reach the server through it, as production fleets do, while
the job worker and migrations use the server itself (`CIVICSHARE_DATABASE_DIRECT_URL`: LISTEN and
advisory locks need a session of their own).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from civicshare.db.embedded import EmbeddedServer, start_embedded_postgres
from civicshare.fleet.parts import Started, end_process

PGBOUNCER_CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")
READY_SECONDS = 10.0


class PgBouncerMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(
    port: int, process: subprocess.Popen[bytes] | None, seconds: float, what: str, *, unix_socket: Path | None = None
) -> None:
    """Until 127.0.0.1:`port` (and `unix_socket`, when given) accepts a connection."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if unix_socket is not None:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                    unix.settimeout(0.2)
                    unix.connect(str(unix_socket))
            return
        except OSError as error:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                where = f"127.0.0.1:{port}" + (f" and {unix_socket}" if unix_socket else "")
                raise RuntimeError(f"{what} did not start listening on {where}") from error
            time.sleep(0.05)


class EmbeddedPostgres:
    """The embedded PostgreSQL under `data_dir` (started, or joined if it already runs there)."""

    name = "postgresql"

    def __init__(self, data_dir: Path, database: str = "postgres") -> None:
        self.data_dir = data_dir
        self.database = database
        self.server: EmbeddedServer | None = None

    def start(self, environment: Mapping[str, str]) -> Started:
        self.server = start_embedded_postgres(self.data_dir, stop_at_exit=False)
        url = self.server.url(self.database)
        where = f"embedded PostgreSQL, data in {self.server.data_dir}, socket in {self.server.socket_dir}"
        return Started(where, {"CIVICSHARE_DATABASE_URL": url, "CIVICSHARE_DATABASE_DIRECT_URL": url})

    def running(self) -> bool:
        return self.server is not None and self.server.pid is not None

    def stop(self) -> None:
        if self.server is not None:
            self.server.release()  # stops it unless another process (a `civicshare serve`) still holds it
            self.server = None


class RunningServer:
    """A PostgreSQL server already running (the tests', or one of a deployment's), named by its URL."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url

    def start(self, environment: Mapping[str, str]) -> Started:
        where = make_url(self.url).render_as_string(hide_password=True)
        return Started(where, {"CIVICSHARE_DATABASE_URL": self.url, "CIVICSHARE_DATABASE_DIRECT_URL": self.url})

    def running(self) -> bool:
        return True

    def stop(self) -> None:
        pass


def pgbouncer_binary() -> str:
    found = next((path for name in PGBOUNCER_CANDIDATES if (path := shutil.which(name))), None)
    if found is None:
        raise PgBouncerMissing("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
    return found


def _server_socket(direct_url: str) -> tuple[str, str]:
    """The Unix socket directory and port of the server a `?host=/dir` URL names."""
    url = make_url(direct_url)
    host = url.query.get("host")
    directory = host if isinstance(host, str) else None
    if directory is None or not directory.startswith("/"):
        raise ValueError(f"PgBouncer is put before a server on a Unix socket; got {url.render_as_string()}")
    socket_file = next(Path(directory).glob(".s.PGSQL.*"))
    return directory, socket_file.suffix.lstrip(".")


# A server connection is closed (once no client holds it) this long after it was opened. Each PostgreSQL
# backend keeps the relation and catalogue caches of every council whose tables it has touched, about
# 0.75-0.9 MB per council (`python -m bench national` measures it): behind transaction pooling every server
# connection serves every council in turn, so with 400 councils each would grow to some 300-350 MB and keep
# it. Replacing connections every ten minutes gives that memory back, at the cost of a backend start and of
# the caches being filled again (a few ms per council it then serves) once per connection per ten minutes.
SERVER_LIFETIME_SECONDS = 600.0


def default_server_connections() -> int:
    """PgBouncer's server connections on this machine when none are named: twice its cores and one, the
    PostgreSQL wiki's starting point for a pool. More backends than the cores can keep busy do no more work:
    each fills the catalogue caches of every council it serves (some 0.8 MB each) on its own, after each
    start and each `server_lifetime`. Measured with 400 councils on 2 cores (`bench national`'s mix, 20 s
    windows): half a minute to a minute after PgBouncer started, 459-471 requests/s through 20 server
    connections and 568-579/s through 6; after two and a half minutes, when the backends had met most
    councils, 20 and 6 both gave 540-590/s."""
    return 2 * (os.cpu_count() or 1) + 1


class PgBouncer:
    """PgBouncer in transaction pooling before the server named by CIVICSHARE_DATABASE_DIRECT_URL, on a
    loopback port and a Unix socket in its own directory; it publishes the socket as CIVICSHARE_DATABASE_URL
    for the parts after it, all on this machine: through loopback TCP a statement cost the node some 15-20 µs
    more CPU, and PgBouncer some 5 µs more (one client, 20,000 single-row selects, each way)."""

    name = "pgbouncer"

    def __init__(
        self,
        *,
        server_connections: int | None = None,
        port: int | None = None,
        max_clients: int = 1000,
        server_lifetime: float = SERVER_LIFETIME_SECONDS,
    ) -> None:
        self.server_connections = server_connections or default_server_connections()
        self.server_lifetime = server_lifetime
        self.port = port
        self.max_clients = max_clients
        self.process: subprocess.Popen[bytes] | None = None
        self.directory: Path | None = None

    def url(self, database: str) -> str:
        """Through its Unix socket: the platform's nodes on this machine connect there, not to the port."""
        if self.directory is None:
            raise RuntimeError("PgBouncer has not been started")
        return f"postgresql+asyncpg://postgres@/{database}?host={self.directory}&port={self.port}"

    def tcp_url(self, database: str) -> str:
        """Through its loopback port, as a node on another machine would reach it over the network."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path | None:
        return self.directory / "pgbouncer.log" if self.directory else None

    def start(self, environment: Mapping[str, str]) -> Started:
        direct = environment["CIVICSHARE_DATABASE_DIRECT_URL"]
        socket_dir, server_port = _server_socket(direct)
        # PgBouncer, like PostgreSQL, refuses to run as root: it then runs as the embedded server's own user
        # (which owns the socket's directory), from a directory of its own that user can read and write.
        owner = Path(socket_dir).stat().st_uid
        as_owner = os.geteuid() == 0 and owner != 0
        self.directory = directory = Path(tempfile.mkdtemp(prefix="civicshare-pgbouncer-"))
        self.port = self.port or free_port()
        (directory / "users.txt").write_text('"postgres" ""\n')
        (directory / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={socket_dir} port={server_port} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir = {directory}\n"
            f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {self.server_connections}\n"
            f"server_lifetime = {self.server_lifetime:g}\n"
            f"max_client_conn = {self.max_clients}\n"
            f"logfile = {directory / 'pgbouncer.log'}\npidfile = {directory / 'pgbouncer.pid'}\n"
            "server_reset_query =\nignore_startup_parameters = extra_float_digits\n"
        )
        if as_owner:
            for path in (directory, *directory.iterdir()):
                os.chown(path, owner, -1)
        self.process = subprocess.Popen(
            [pgbouncer_binary(), str(directory / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the fleet, which stops PgBouncer in its turn
            user=owner if as_owner else None,
        )
        try:
            socket_file = directory / f".s.PGSQL.{self.port}"
            wait_for_port(self.port, self.process, READY_SECONDS, "PgBouncer", unix_socket=socket_file)
        except RuntimeError as error:
            said = self.log.read_text() if self.log and self.log.exists() else ""
            raise RuntimeError(f"{error}: {said}") from None
        database = make_url(direct).database or "postgres"
        where = (
            f"127.0.0.1:{self.port} and {directory}, transaction pooling, {self.server_connections} server connections "
            f"per database (log {self.log})"
        )
        return Started(
            where,
            {
                "CIVICSHARE_DATABASE_URL": self.url(database),
                "CIVICSHARE_DATABASE_TRANSACTION_POOLING": "true",
                "CIVICSHARE_DATABASE_DIRECT_URL": direct,
            },
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process)
            self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
