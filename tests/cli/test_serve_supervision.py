"""`civicshare serve` keeps the platform up by itself: a worker that dies is replaced even when it is
the only one, an embedded PostgreSQL that dies is started again, stopping the command stops the
PostgreSQL it started, and a client sending its request too slowly cannot hold a connection."""

from __future__ import annotations

import os
import signal
import socket
import time

import httpx

from civicshare.db.embedded import embedded_pgdata
from civicshare.slow_clients import HEADERS_SECONDS
from tests.cli.serving import (
    Serving,
    children,
    is_running,
    own_data_dir,
    prepare_data_dir,
    start_serving,
    wait_for,
)


def test_the_only_worker_killed_is_replaced_and_the_platform_serves_again(serving: Serving) -> None:
    wait_for(lambda: len(children(serving.process.pid)) == 1)
    (worker,) = children(serving.process.pid)

    os.kill(worker, signal.SIGKILL)

    wait_for(lambda: children(serving.process.pid) - {worker})
    wait_for(serving.healthy)
    assert serving.process.poll() is None
    assert "exited with code -9; starting another" in serving.log.read_text()


async def test_stopping_the_server_stops_the_embedded_postgresql_it_started_even_after_a_run_was_killed() -> None:
    with own_data_dir() as data_dir:
        await prepare_data_dir(data_dir)
        killed = start_serving(data_dir)
        wait_for(lambda: children(killed.process.pid))
        orphans = children(killed.process.pid)
        killed.process.kill()  # no chance to let go of its server: its entry beside the data goes stale
        killed.process.wait()
        wait_for(lambda: not any(is_running(worker) for worker in orphans))  # its workers stop with it
        serving = start_serving(data_dir)  # joins the server the killed run left running
        try:
            postmaster = serving.postmaster
            assert postmaster is not None and is_running(postmaster)

            serving.process.send_signal(signal.SIGTERM)

            assert serving.process.wait(timeout=40) == 0
            assert not is_running(postmaster)
            assert not (embedded_pgdata(data_dir) / "postmaster.pid").exists()
        finally:
            serving.stop()


def test_an_embedded_postgresql_that_dies_is_started_again_and_readyz_says_so_meanwhile(serving: Serving) -> None:
    wait_for(serving.healthy)
    wait_for(serving.ready)
    postmaster = serving.postmaster
    assert postmaster is not None

    os.kill(postmaster, signal.SIGKILL)
    reasons = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(f"{serving.url}/readyz", timeout=5)
        if answer.status_code == 200:
            break
        reasons.add(answer.json()["detail"])
        time.sleep(0.05)

    assert answer.status_code == 200, serving.log.read_text()[-3000:]
    assert serving.postmaster not in (None, postmaster)
    assert any("PostgreSQL stopped" in reason or "cannot be reached" in reason for reason in reasons), reasons
    log = serving.log.read_text()
    assert "the embedded PostgreSQL has stopped" in log
    assert "the embedded PostgreSQL is running again" in log


def test_a_client_dribbling_its_headers_is_cut_off_while_others_are_served(serving: Serving) -> None:
    wait_for(serving.healthy)
    host, port = serving.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        slow.settimeout(1.0)
        answer = b""
        while time.monotonic() - started < HEADERS_SECONDS + 20:
            assert httpx.get(f"{serving.url}/healthz", timeout=5).status_code == 200  # others are served meanwhile
            try:
                slow.sendall(b"X")  # one byte of a header, now and then
                received = slow.recv(1024)
            except TimeoutError:
                continue
            except OSError:  # reset: closed by the server
                break
            answer += received
            if not received:
                break
    assert answer.startswith(b"HTTP/1.1 408"), answer
