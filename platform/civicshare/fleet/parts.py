"""A fleet is a list of parts. Each part starts with the environment the parts before it published,
publishes settings of its own for the parts after it (the database URL, a replica's URL, a storage URL),
says where it runs, and stops. Services come first, the processes that use them last.

Adding a service (a read replica, an S3-compatible store) is one more `Part` in the list before the app
nodes: its `start` returns the `CIVICSHARE_*` settings that point the nodes at it.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


def end_process(process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    """SIGTERM, time to finish what it has in hand, then SIGKILL if it has not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Started:
    """What a part published: settings for the parts after it, and a line saying where it runs."""

    where: str
    environment: Mapping[str, str] = field(default_factory=dict)
    members: tuple[tuple[str, str], ...] = ()  # a group's parts, each (name, where)


class Part(Protocol):
    name: str

    def start(self, environment: Mapping[str, str]) -> Started:
        """Start, configured by `environment` (the settings the parts before published); block until ready."""
        ...

    def running(self) -> bool:
        """Whether it still runs (the fleet stops everything when a part has died)."""
        ...

    def stop(self) -> None:
        """Stop, and wait until stopped; safe to call on a part that did not start."""
        ...


@dataclass(frozen=True)
class RunningPart:
    part: Part
    where: str
    members: tuple[tuple[str, str], ...] = ()


@dataclass
class RunningFleet:
    parts: list[RunningPart]
    environment: dict[str, str]

    def rows(self) -> list[tuple[str, str]]:
        """(part, where it runs), a group's parts one by one."""
        return [row for running in self.parts for row in (running.members or ((running.part.name, running.where),))]

    def stopped(self) -> list[str]:
        """The parts that have died since they started."""
        return [running.part.name for running in self.parts if not running.part.running()]


@contextmanager
def running_fleet(parts: list[Part], environment: Mapping[str, str] | None = None) -> Iterator[RunningFleet]:
    """Start `parts` in order, each with what the parts before published; stop them in reverse however
    the block ends (a part that failed to start stops what had started, then the error is raised)."""
    published = dict(environment or {})
    started: list[Part] = []
    running = RunningFleet([], published)
    try:
        for part in parts:
            started.append(part)
            outcome = part.start(dict(published))
            published.update(outcome.environment)
            running.parts.append(RunningPart(part, outcome.where, outcome.members))
            log.info("fleet part started", extra={"part": part.name, "where": outcome.where})
        yield running
    finally:
        for part in reversed(started):
            try:
                part.stop()
            except Exception:  # one part failing to stop must not leave the others running
                log.exception("fleet part did not stop cleanly", extra={"part": part.name})


class Together:
    """Parts started at once (app nodes each take seconds to come up), each with the same environment;
    what they publish is merged, and their lines come out one per part."""

    def __init__(self, name: str, parts: list[Part]) -> None:
        self.name = name
        self.parts = parts

    def start(self, environment: Mapping[str, str]) -> Started:
        with ThreadPoolExecutor(max_workers=max(1, len(self.parts))) as pool:
            futures = [pool.submit(part.start, environment) for part in self.parts]
            wait(futures)
        failures = [future.exception() for future in futures if future.exception() is not None]
        if failures:
            self.stop()
            raise failures[0]  # type: ignore[misc]
        outcomes = [future.result() for future in futures]
        published: dict[str, str] = {}
        for outcome in outcomes:
            published.update(outcome.environment)
        members = tuple((part.name, outcome.where) for part, outcome in zip(self.parts, outcomes, strict=True))
        return Started(", ".join(part.name for part in self.parts), published, members)

    def running(self) -> bool:
        return all(part.running() for part in self.parts)

    def stop(self) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(self.parts))) as pool:
            list(pool.map(lambda part: part.stop(), self.parts))
