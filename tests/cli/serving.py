"""`civicshare serve` run as operators run it: a real process with an embedded PostgreSQL of its own
(under the test's own data directory), so a test may kill its workers or its database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from civicshare.db.embedded import embedded_pgdata, start_embedded_postgres
from civicshare.db.engine import make_engine
from civicshare.db.migrations import upgrade_platform
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import onboard_tenant
from tests.support import _free_port, council_definition

CIVICSHARE = str(Path(sys.executable).parent / "civicshare")
STREETLIGHTS = {"highways": {"enabled": True}}


def wait_for(condition: Callable[[], object], seconds: float = 40.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int) -> set[int]:
    """The worker processes `civicshare serve` (pid) started (multiprocessing's resource tracker aside)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_text(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and "spawn_main" in command and "resource_tracker" not in command:
            found.add(int(entry.name))
    return found


@contextmanager
def own_data_dir() -> Iterator[Path]:
    """A data directory the embedded server's own user may enter (pytest's are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="civicshare-serve-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def prepare_data_dir(data_dir: Path) -> tuple[TenantDefinition, str]:
    """A migrated platform with one council (streetlight reports) in an embedded server of its own,
    stopped again; the council and the server's URL for the council's database."""
    server = start_embedded_postgres(data_dir, stop_at_exit=False)
    engine = make_engine(server.url(), pool_size=1)
    council = council_definition(modules=STREETLIGHTS)
    try:
        await upgrade_platform(engine)
        async with engine.begin() as connection:
            await onboard_tenant(connection, council)
    finally:
        await engine.dispose()
        server.release()
    return council, server.url()


@dataclass
class Serving:
    """A running `civicshare serve`, its data directory and what it wrote to stderr."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log: Path
    council: TenantDefinition | None = None  # set by whoever prepared the data directory
    database_url: str = ""

    @property
    def postmaster(self) -> int | None:
        try:
            return int((embedded_pgdata(self.data_dir) / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def unexpected_errors(self) -> list[str]:
        """What the platform logged of errors it did not expect (each a 500)."""
        return [line[-800:] for line in self.log.read_text().splitlines() if "unexpected error" in line]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        postmaster = self.postmaster
        if postmaster is not None and is_running(postmaster):  # never leave a server behind a failed test
            os.kill(postmaster, signal.SIGKILL)


def start_serving(data_dir: Path, *arguments: str) -> Serving:
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if key != "CIVICSHARE_DATABASE_URL"}
    environment |= {"CIVICSHARE_DATA_DIR": str(data_dir), "CIVICSHARE_LOG_LEVEL": "INFO"}
    log = data_dir / "serve.log"
    command = [CIVICSHARE, "serve", "--host", "127.0.0.1", "--port", str(port), *arguments]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=stderr)
    serving = Serving(process, f"http://127.0.0.1:{port}", data_dir, log)
    wait_for(serving.healthy, seconds=120)  # a worker imports the whole platform: slow on a busy machine
    return serving
