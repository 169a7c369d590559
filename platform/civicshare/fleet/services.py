"""The shared services a fleet's nodes use besides PostgreSQL and PgBouncer: a streaming read replica of
the database, and an S3-compatible object store (moto's server, on loopback) holding every node's files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from civicshare.db.replica_server import StandbyServer, start_standby, stop_standby
from civicshare.fleet.parts import Started, end_process

BUCKET = "civicshare"
READY_SECONDS = 60.0
# moto accepts any credentials; the nodes sign with these, as they would with a real store's.
LOCAL_CREDENTIALS = {"CIVICSHARE_STORAGE_ACCESS_KEY_ID": "fleet", "CIVICSHARE_STORAGE_SECRET_ACCESS_KEY": "fleet"}


class ReadReplica:
    """A streaming standby of the server behind PgBouncer (copied with pg_basebackup the first time, then
    restarted from its directory); the nodes read reports, dashboards and exports from it while it is fresh."""

    def __init__(self, directory: Path) -> None:
        self.name = "read replica"
        self.directory = directory
        self.standby: StandbyServer | None = None

    def start(self, environment: Mapping[str, str]) -> Started:
        self.standby = start_standby(environment["CIVICSHARE_DATABASE_DIRECT_URL"], self.directory)
        return Started(
            f"127.0.0.1:{self.standby.port} (streaming standby in {self.directory})",
            {"CIVICSHARE_DATABASE_REPLICA_URL": self.standby.url},
        )

    def running(self) -> bool:
        return self.standby is not None and (self.directory / "postmaster.pid").exists()

    def stop(self) -> None:
        if self.standby is not None:
            stop_standby(self.directory)
            self.standby = None


def moto_server_command() -> Path | None:
    """moto's S3-compatible server, installed with the development dependencies (None when it is not)."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.exists():
        return beside
    found = shutil.which("moto_server")
    return Path(found) if found else None


class ObjectStore:
    """moto's S3-compatible server on 127.0.0.1:`port` with the fleet's bucket: every node keeps its files
    there (CIVICSHARE_STORAGE_URL), so a photo uploaded through one node is downloaded through another."""

    def __init__(self, port: int, log_dir: Path) -> None:
        self.name = "object store"
        self.port = port
        self.log_path = log_dir / "object-store.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, environment: Mapping[str, str]) -> Started:
        command = moto_server_command()
        if command is None:
            raise RuntimeError("the object store needs moto's server: `make setup` installs it (moto[server])")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(command), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_ready()
        self._create_bucket()
        return Started(
            f"{self.endpoint} (S3-compatible, bucket {BUCKET})",
            {
                "CIVICSHARE_STORAGE_URL": f"s3://{BUCKET}?endpoint_url={self.endpoint}&region=eu-west-2",
                **LOCAL_CREDENTIALS,
            },
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the object store exited (log {self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/", timeout=2):  # noqa: S310 (loopback)
                    return
            except urllib.error.HTTPError:
                return  # answering, if only to say no
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the object store did not answer within {READY_SECONDS:.0f} s (log {self.log_path})")

    def _create_bucket(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/{BUCKET}", method="PUT")  # noqa: S310 (loopback)
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (loopback)
                pass
        except urllib.error.HTTPError as error:
            if error.code != 409:  # already there from an earlier run
                raise

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
