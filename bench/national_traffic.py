"""The national benchmark's mixed load: clients over HTTP to two app nodes, each request of one kind.

Each client loops until the time is up: picks a kind by its weight, a council, a node, sends the request
(bench/lean_http.py: keep-alive, little CPU of its own) and records how long the answer took and whether
it was the one expected.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from bench.lean_http import Client, ConnectionLost

REQUEST_TIMEOUT_SECONDS = 30
STREETLIGHT = {"location_description": "Outside 4 Mill Lane", "fault": "out"}


@dataclass(frozen=True)
class Council:
    slug: str
    tracked: list[tuple[str, str]]  # (reference, email) of some of its requests

    @property
    def host(self) -> str:
        return f"{self.slug}.localhost"


@dataclass
class Target:
    """Everything a request needs: the nodes, the councils, and officers' cookies per (node, council)."""

    nodes: list[str]
    councils: list[Council]
    staff_cookies: dict[tuple[str, str], str]  # (node, slug) -> Cookie header
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def council(self) -> Council:
        return self.rng.choice(self.councils)

    def node(self) -> str:
        return self.rng.choice(self.nodes)

    def staff(self) -> tuple[str, str, str]:
        node, slug = self.rng.choice(list(self.staff_cookies))
        return node, slug, self.staff_cookies[(node, slug)]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, object] | None = None
    expect: int = 200


@dataclass(frozen=True)
class Kind:
    name: str
    group: str  # resident, staff or open311: the targets are per group
    weight: int
    make: Callable[[Target], Request]


def _submit(target: Target) -> Request:
    council = target.council()
    return Request(
        "POST",
        f"{target.node()}/api/v1/services/report-streetlight/transactions",
        {"Host": council.host, "Idempotency-Key": uuid.uuid4().hex},
        {"answers": STREETLIGHT, "channel": "web", "contact_email": "bench@example.org"},
        expect=201,
    )


def _track(target: Target) -> Request:
    council = target.council()
    reference, email = target.rng.choice(council.tracked)
    return Request("GET", f"{target.node()}/api/v1/transactions/{reference}?email={email}", {"Host": council.host})


def _home(target: Target) -> Request:
    return Request("GET", f"{target.node()}/", {"Host": target.council().host, "Accept": "text/html"})


def _service_page(target: Target) -> Request:
    council = target.council()
    return Request("GET", f"{target.node()}/services/report-pothole", {"Host": council.host, "Accept": "text/html"})


def _queue(target: Target) -> Request:
    node, slug, cookie = target.staff()
    page = target.rng.choice(["", "?page=3", "?due=overdue", "?state=all"])
    headers = {"Host": f"{slug}.localhost", "Cookie": cookie, "Accept": "text/html"}
    return Request("GET", f"{node}/staff/requests{page}", headers)


def _savings(target: Target) -> Request:
    node, slug, cookie = target.staff()
    group = target.rng.choice(["month", "service", "channel"])
    return Request(
        "GET", f"{node}/api/v1/savings/report?group_by={group}", {"Host": f"{slug}.localhost", "Cookie": cookie}
    )


def _open311_services(target: Target) -> Request:
    return Request("GET", f"{target.node()}/open311/v2/services.json", {"Host": target.council().host})


def _open311_requests(target: Target) -> Request:
    return Request("GET", f"{target.node()}/open311/v2/requests.json", {"Host": target.council().host})


KINDS = (
    Kind("resident: submit a report", "resident", 8, _submit),
    Kind("resident: track a request", "resident", 14, _track),
    Kind("resident: council home page", "resident", 14, _home),
    Kind("resident: a service's start page", "resident", 10, _service_page),
    Kind("staff: work the queue", "staff", 8, _queue),
    Kind("staff: savings report", "staff", 4, _savings),
    Kind("Open311: services", "open311", 6, _open311_services),
    Kind("Open311: requests", "open311", 6, _open311_requests),
)
TARGET_P99_MS = {"resident": 100.0, "staff": 250.0, "open311": 250.0}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    unexpected: int = 0
    failed: int = 0
    example: str = ""


async def _send(connections: Client, kind: Kind, target: Target, tally: Tally, arrived: float) -> None:
    """One request of `kind`; its latency counts from `arrived`."""
    request = kind.make(target)
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            answer = await connections.request(request.method, request.url, request.headers, request.json)
    except (ConnectionLost, OSError, TimeoutError) as error:
        tally.failed += 1
        tally.example = tally.example or f"{type(error).__name__}: {error}"
        connections.close()
        return
    tally.latencies.append(time.perf_counter() - arrived)
    if answer.status != request.expect:
        tally.unexpected += 1
        tally.example = tally.example or f"{request.method} {request.url} -> {answer.status}"


def _kinds(target: Target) -> tuple[list[Kind], list[int]]:
    kinds = [kind for kind in KINDS if kind.group != "staff" or target.staff_cookies]
    return kinds, [kind.weight for kind in kinds]


async def run_load(
    target: Target,
    *,
    clients: int,
    seconds: float,
    meanwhile: Callable[[], Coroutine[None, None, None]] | None = None,
    tallies: dict[str, Tally] | None = None,
) -> tuple[dict[str, Tally], float]:
    """Drive the mix with `clients` concurrent clients for `seconds` (a closed loop: each client sends its next
    request once its last was answered, so the platform is kept as busy as it can be); the tallies and the
    time it took. Given `tallies` (empty), it fills those as it goes, for `meanwhile` to read."""
    kinds, weights = _kinds(target)
    tallies = tallies if tallies is not None else {}
    tallies.update({kind.name: Tally() for kind in kinds})
    deadline = time.monotonic() + seconds

    async def client() -> None:
        connections = Client()
        try:
            while time.monotonic() < deadline:
                kind = target.rng.choices(kinds, weights)[0]
                await _send(connections, kind, target, tallies[kind.name], time.perf_counter())
        finally:
            connections.close()

    started = time.monotonic()
    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    if meanwhile is not None:
        tasks.append(asyncio.create_task(meanwhile()))
    await asyncio.gather(*tasks)
    return tallies, time.monotonic() - started


async def run_at_rate(target: Target, *, rate: float, seconds: float, most_at_once: int = 256) -> dict[str, Tally]:
    """Drive the mix as the public does (an open loop): requests arrive `rate` a second on average, at random
    (Poisson), however fast the answers come. Each latency counts from the moment its request arrived, so a
    platform falling behind shows it in full, however long the queue (no coordinated omission). At most
    `most_at_once` are in flight; an arrival past that waits for a connection, and the wait counts. Returns
    the tallies once every request sent has been answered."""
    kinds, weights = _kinds(target)
    tallies = {kind.name: Tally() for kind in kinds}
    idle: asyncio.Queue[Client] = asyncio.Queue()
    every = [Client() for _ in range(most_at_once)]
    for connections in every:
        idle.put_nowait(connections)
    arrivals = random.Random(11)

    async def arrive(kind: Kind, arrived: float) -> None:
        connections = await idle.get()
        try:
            await _send(connections, kind, target, tallies[kind.name], arrived)
        finally:
            idle.put_nowait(connections)

    started = time.perf_counter()
    deadline = started + seconds
    next_arrival = started
    sent: set[asyncio.Task[None]] = set()
    try:
        while True:
            next_arrival += arrivals.expovariate(rate)
            if next_arrival >= deadline:
                break
            await asyncio.sleep(max(0.0, next_arrival - time.perf_counter()))
            task = asyncio.create_task(arrive(target.rng.choices(kinds, weights)[0], next_arrival))
            sent.add(task)
            task.add_done_callback(sent.discard)
        await asyncio.gather(*sent)
    finally:
        for connections in every:
            connections.close()
    return tallies
