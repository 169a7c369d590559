"""`civicshare worker --processes N`: the job worker in this process and N-1 delivery processes beside it.

One process's event loop uses one CPU: a job worker delivering webhooks spends most of it in Python (the
HTTP client, signing, reading and writing the delivery log), so on a machine with more cores one process
delivers less than the platform accepts. The extra processes run only the outbox's dispatch jobs
(procrastinate hands each job to one of them; the councils' events are spread by job); the relay, the
sweep, the exports and the housekeeping stay in this process, so a council is never swept twice.

Each delivery process gets SIGTERM from the kernel when this one dies (Linux), and one that exits is
started again after a pause that doubles while it keeps exiting as it starts.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field

from civicshare.serving import ProcessPlace, stop_with_supervisor

log = logging.getLogger(__name__)
STOP_SECONDS = 15.0


def processes_wanted(asked: int) -> int:
    """How many processes `civicshare worker` runs: as asked, or (0) one per CPU this process may use."""
    if asked > 0:
        return asked
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_delivery_process() -> None:
    """One delivery process: the outbox's dispatch jobs only, with the platform's subscribers."""
    stop_with_supervisor()
    # Out of the terminal's process group: Ctrl+C stops the first process, which then stops this one
    # (stopped by the same Ctrl+C, it would be started again while the first was still stopping).
    os.setpgrp()
    from civicshare.worker import run_job_worker_command

    run_job_worker_command(deliveries_only=True)


@dataclass
class DeliveryProcesses:
    """Keeps `count` delivery processes running until `stop()`."""

    count: int
    _places: list[ProcessPlace] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _watching: threading.Thread | None = None

    def start(self) -> None:
        if self.count <= 0:
            return
        self._places = [ProcessPlace() for _ in range(self.count)]
        self._keep_up()
        self._watching = threading.Thread(target=self._watch, name="delivery-processes", daemon=True)
        self._watching.start()

    def pids(self) -> list[int]:
        return [place.process.pid for place in self._places if place.process is not None and place.process.pid]

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            self._keep_up()

    def _keep_up(self) -> None:
        now = time.monotonic()
        for place in self._places:
            place.forget_if_exited(now, "delivery process")
            if place.due(now) and not self._stopping.is_set():
                started = multiprocessing.get_context("spawn").Process(
                    target=run_delivery_process, name="civicshare-deliveries"
                )
                started.start()
                place.process, place.started_at = started, time.monotonic()

    def stop(self) -> None:
        """SIGTERM to every delivery process (they finish the deliveries in hand), then wait for them."""
        self._stopping.set()
        if self._watching is not None:
            self._watching.join()
        running = [place.process for place in self._places if place.process is not None]
        for process in running:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
