"""Serving the platform with uvicorn: worker processes, each on a socket of its own, under a supervisor.

When workers share one listening socket, whichever is awake first accepts a burst of new connections:
with 64 keep-alive clients, one of two workers often held two thirds of them and answered them twice
as slowly as the other. Here each worker binds the address itself with SO_REUSEPORT and the kernel
spreads new connections evenly over them.

The serving process itself answers no request: it supervises, however many workers there are (one by
default). A worker that dies is replaced; one that keeps dying as it starts is restarted after a
pause that doubles each time (capped), so a broken worker cannot spin, and the others keep serving.
When the platform runs on the embedded PostgreSQL, the supervisor also watches it and starts it again
if it dies, saying so in the log and on every worker's /readyz meanwhile. SIGINT or SIGTERM stops the
workers, letting each finish the requests it has in hand within a bounded time.
"""

from __future__ import annotations

import ctypes
import gc
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

from civicshare.db.embedded import EmbeddedServer, note_restarting
from civicshare.slow_clients import DeadlinedHttpProtocol

log = logging.getLogger(__name__)

APP = "civicshare.app:serve_app"
BACKLOG = 2048
QUICK_EXIT_SECONDS = 10.0  # a worker that dies sooner than this after starting never came up
FIRST_PAUSE_SECONDS = 0.5  # before restarting a worker that exited quickly; doubled each time it does again
LONGEST_PAUSE_SECONDS = 30.0
GRACEFUL_SHUTDOWN_SECONDS = 20.0  # requests in hand when stopping get this long to finish
STOP_TIMEOUT_SECONDS = GRACEFUL_SHUTDOWN_SECONDS + 10.0  # then a worker still running is killed
PR_SET_PDEATHSIG = 1


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
    "http": DeadlinedHttpProtocol,
    "timeout_keep_alive": 5,
    "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
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


def stop_with_supervisor() -> None:
    """Have the kernel send this worker SIGTERM if the supervisor dies (Linux), rather than leave it
    serving on the port with nobody to replace it or stop it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the worker outlives a supervisor killed outright
        pass


def run_worker(host: str, port: int) -> None:
    """One worker process: its own socket, its own event loop, the whole platform."""
    stop_with_supervisor()
    config = uvicorn.Config(APP, host=host, port=port, **UVICORN_OPTIONS)
    config.load()  # build the app now, so that what it built can be frozen before the first request
    # What start-up made (modules, templates, registries) lives as long as the worker: kept out of the
    # collector's full passes, which otherwise went through it all (the savings report's median halved).
    gc.freeze()
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def run_job_worker_process() -> None:
    """A job worker process beside the web workers (`civicshare.worker`)."""
    stop_with_supervisor()
    from civicshare.worker import run_job_worker_command

    run_job_worker_command()


def pause_before_restart(quick_exits: int) -> float:
    """How long to wait before starting a worker again after it exited `quick_exits` times in a row."""
    if quick_exits == 0:
        return 0.0
    return float(min(FIRST_PAUSE_SECONDS * 2 ** (quick_exits - 1), LONGEST_PAUSE_SECONDS))


@dataclass
class ProcessPlace:
    """A process kept running: its current process, and how often it has exited as it started."""

    process: BaseProcess | None = None
    started_at: float = 0.0
    quick_exits: int = 0
    start_at: float = 0.0

    def forget_if_exited(self, now: float, what: str) -> None:
        """An exited process is forgotten, and its successor is due after a pause that grows while
        each one exits soon after it started."""
        process = self.process
        if process is None or process.is_alive():
            return
        self.quick_exits = self.quick_exits + 1 if now - self.started_at < QUICK_EXIT_SECONDS else 0
        pause = pause_before_restart(self.quick_exits)
        log.warning("%s %s exited with code %s; starting another in %.1f s", what, process.pid, process.exitcode, pause)
        self.process, self.start_at = None, now + pause

    def due(self, now: float) -> bool:
        return self.process is None and now >= self.start_at


@dataclass
class _Worker(ProcessPlace):
    runs_jobs: bool = False


@dataclass
class _DatabaseWatch:
    server: EmbeddedServer
    failed_restarts: int = 0
    retry_at: float = 0.0
    down_since: float | None = None


@dataclass
class Supervisor:
    host: str
    port: int
    workers: int
    database: EmbeddedServer | None = None
    job_workers: int = 0
    _places: list[_Worker] = field(default_factory=list)
    _watch: _DatabaseWatch | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> int:
        """Serve until told to stop with SIGINT or SIGTERM; the exit code (0)."""
        listening_socket(self.host, self.port).close()  # fails at once if something else holds the port
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, self._stop)
        self._watch = _DatabaseWatch(self.database) if self.database is not None else None
        self._places = [_Worker() for _ in range(self.workers)]
        self._places += [_Worker(runs_jobs=True) for _ in range(self.job_workers)]
        while True:
            self._keep_database_up()
            self._keep_workers_up()
            if self._stopping.wait(0.5):
                break
        self._stop_all()
        return 0

    def _keep_workers_up(self) -> None:
        now = time.monotonic()
        for place in self._places:
            place.forget_if_exited(now, "worker")
            if place.due(now) and not self._stopping.is_set():
                place.process, place.started_at = self._start(place.runs_jobs), time.monotonic()

    def _keep_database_up(self) -> None:
        watch = self._watch
        if watch is None or self._stopping.is_set() or watch.server.pid is not None:
            return
        now = time.monotonic()
        if watch.down_since is None:
            watch.down_since = now
            log.error("the embedded PostgreSQL has stopped (%s); starting it again", watch.server.data_dir)
            note_restarting(watch.server.data_dir, "The embedded PostgreSQL stopped and is being started again.")
        if now < watch.retry_at:
            return
        try:
            watch.server.restart()
        except Exception as error:  # still in the way (its old processes exiting, say): try again soon
            watch.failed_restarts += 1
            watch.retry_at = time.monotonic() + pause_before_restart(watch.failed_restarts)
            log.error("the embedded PostgreSQL did not start again: %s; retrying", error)
            return
        log.warning(
            "the embedded PostgreSQL is running again (pid %s) after %.1f s down",
            watch.server.pid,
            time.monotonic() - watch.down_since,
        )
        note_restarting(watch.server.data_dir, None)
        watch.failed_restarts, watch.down_since = 0, None

    def _start(self, runs_jobs: bool = False) -> BaseProcess:
        context = multiprocessing.get_context("spawn")
        if runs_jobs:
            process = context.Process(target=run_job_worker_process, name="civicshare-job-worker")
        else:
            process = context.Process(target=run_worker, args=(self.host, self.port), name="civicshare-worker")
        process.start()
        return process

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def _stop_all(self) -> None:
        processes = [place.process for place in self._places if place.process is not None]
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in hand, then exits
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def serve(host: str, port: int, workers: int, database: EmbeddedServer | None = None, job_workers: int = 0) -> int:
    """Serve the platform until SIGINT or SIGTERM, with `job_workers` job worker processes beside the web
    workers; the exit code for the command line."""
    if not hasattr(socket, "SO_REUSEPORT"):  # no socket of its own per worker: uvicorn's own supervisor
        uvicorn.run(APP, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
        return 0
    return Supervisor(host, port, workers, database, job_workers).run()
