"""The platform's own processes in a fleet: app nodes (`civicshare serve` on a port each) and job workers
(`civicshare worker`), started with the settings the services before them published."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from civicshare.fleet.parts import Started, end_process

READY_SECONDS = 120.0  # on a busy shared machine, a node takes tens of seconds to import and build the app
STOP_SECONDS = 40.0  # the serving supervisor gives requests in hand 20 s, then kills what is left


def civicshare_command() -> str:
    return str(Path(sys.executable).parent / "civicshare")


class PlatformProcess:
    """One `civicshare` subprocess, its output in a log file of its own."""

    name: str

    def __init__(self, name: str, arguments: list[str], log_dir: Path, environment: Mapping[str, str]) -> None:
        self.name = name
        self.arguments = arguments
        self.log_path = log_dir / f"{name}.log"
        self.extra_environment = dict(environment)
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _launch(self, environment: Mapping[str, str]) -> subprocess.Popen[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [civicshare_command(), *self.arguments],
            env={**os.environ, **environment, **self.extra_environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the fleet only, which stops each process in turn
        )
        return self.process

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _died(self) -> RuntimeError:
        tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
        return RuntimeError(
            f"{self.name} exited with code {self.process and self.process.returncode} (log {self.log_path}):\n{tail}"
        )

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process, STOP_SECONDS)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class AppNode(PlatformProcess):
    """`civicshare serve` on 127.0.0.1:port with `workers` worker processes, ready when /readyz says so."""

    def __init__(
        self,
        name: str,
        port: int,
        log_dir: Path,
        *,
        workers: int = 1,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        arguments = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        super().__init__(name, arguments, log_dir, environment or {})
        self.port = port
        self.workers = workers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, environment: Mapping[str, str]) -> Started:
        process = self._launch(environment)
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if process.poll() is not None:
                raise self._died()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become ready on {self.url} (log {self.log_path})")
            time.sleep(0.2)
        return Started(f"{self.url}/ ({self.workers} worker(s), pid {process.pid}, log {self.log_path})")


class JobWorker(PlatformProcess):
    """`civicshare worker`: delivers every council's outbox (connects to the server itself, not PgBouncer)."""

    def __init__(self, name: str, log_dir: Path, *, environment: Mapping[str, str] | None = None) -> None:
        super().__init__(name, ["worker"], log_dir, environment or {})

    def start(self, environment: Mapping[str, str]) -> Started:
        process = self._launch(environment)
        time.sleep(0.5)  # a worker that cannot start (bad settings) says so at once
        if process.poll() is not None:
            raise self._died()
        return Started(f"job queue worker (pid {process.pid}, log {self.log_path})")


class OneOffCommand(PlatformProcess):
    """A `civicshare` command run to its end before the parts after it start (migrations, tenants sync)."""

    def __init__(self, name: str, arguments: list[str], log_dir: Path, *, environment: Mapping[str, str]) -> None:
        super().__init__(name, arguments, log_dir, environment)
        self.done = False

    def start(self, environment: Mapping[str, str]) -> Started:
        process = self._launch(environment)
        if process.wait() != 0:
            raise self._died()
        self.done = True
        return Started(f"`civicshare {' '.join(self.arguments)}` done (log {self.log_path})")

    def running(self) -> bool:
        return self.done  # it ran to its end: nothing to watch
