"""Serving the platform with uvicorn: one process, or several workers each on a socket of its own.

When workers share one listening socket, whichever is awake first accepts a burst of new connections:
with 64 keep-alive clients, one of two workers often held two thirds of them and answered them twice
as slowly as the other. Here each worker binds the address itself with SO_REUSEPORT and the kernel
spreads new connections evenly over them. A small supervisor starts the workers, starts another when
one dies, gives up if they keep dying as they start (a broken configuration), and stops them all on
SIGINT or SIGTERM, letting each finish the requests it has in hand.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger(__name__)

APP = "civicshare.app:serve_app"
BACKLOG = 2048
QUICK_EXIT_SECONDS = 10.0  # a worker that dies sooner than this after starting never came up
QUICK_EXITS_BEFORE_GIVING_UP = 3
STOP_TIMEOUT_SECONDS = 30.0


class AddressInUse(RuntimeError):
    pass


# How every worker runs the platform, whoever starts it.
UVICORN_OPTIONS: dict[str, Any] = {
    "factory": True,
    "log_config": None,
    "access_log": False,
    "proxy_headers": False,
    "server_header": False,  # no "server: uvicorn" on every answer: nobody needs to know what runs it
    "backlog": BACKLOG,
}


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other workers of this platform may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        raise AddressInUse(f"cannot listen on {host}:{port}: {error.strerror}") from error
    return sock


def run_worker(host: str, port: int) -> None:
    """One worker process: its own socket, its own event loop, the whole platform."""
    config = uvicorn.Config(APP, host=host, port=port, **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


@dataclass
class Supervisor:
    host: str
    port: int
    workers: int
    _processes: list[BaseProcess] = field(default_factory=list)
    _started_at: dict[int, float] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> int:
        """Serve until told to stop; 0 when stopped, 1 when the workers could not stay up."""
        listening_socket(self.host, self.port).close()  # fails at once if something else holds the port
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, self._stop)
        self._processes = [self._start() for _ in range(self.workers)]
        quick_exits = 0
        while not self._stopping.wait(0.5):
            for index, process in enumerate(self._processes):
                if process.is_alive():
                    continue
                lived = time.monotonic() - self._started_at.pop(id(process), 0.0)
                quick_exits = quick_exits + 1 if lived < QUICK_EXIT_SECONDS else 0
                if quick_exits >= QUICK_EXITS_BEFORE_GIVING_UP:
                    log.error("workers keep exiting as they start (last exit code %s); stopping", process.exitcode)
                    self._stop_all()
                    return 1
                log.warning("worker %s exited with code %s; starting another", process.pid, process.exitcode)
                self._processes[index] = self._start()
        self._stop_all()
        return 0

    def _start(self) -> BaseProcess:
        process = multiprocessing.get_context("spawn").Process(
            target=run_worker, args=(self.host, self.port), name="civicshare-worker"
        )
        process.start()
        self._started_at[id(process)] = time.monotonic()
        return process

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def _stop_all(self) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in hand, then exits
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def serve(host: str, port: int, workers: int) -> int:
    """Serve the platform until SIGINT or SIGTERM; the exit code for the command line."""
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
        return 0
    return Supervisor(host, port, workers).run()
