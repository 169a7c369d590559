"""`civicshare serve --workers N`: every worker answers, a dead worker is replaced, and stopping the
command stops them all; a port held by something else is a clear error, not a crash loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from civicshare.settings import Settings
from tests.cli.serving import CIVICSHARE, children, is_running, wait_for
from tests.support import _free_port


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def environment(settings: Settings, database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CIVICSHARE_DATABASE_URL": database_url,
        "CIVICSHARE_DATA_DIR": str(tmp_path),
        "CIVICSHARE_LOG_LEVEL": "WARNING",
        "CIVICSHARE_DB_POOL_SIZE": "2",
    }


@pytest.fixture
def two_workers(environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    command = [CIVICSHARE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    yield process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_two_workers_answer_one_is_replaced_when_it_dies_and_stopping_stops_both(
    two_workers: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = two_workers
    wait_for(lambda: _healthy(url) and len(children(process.pid)) == 2, seconds=120)  # slow to import when busy
    first, second = sorted(children(process.pid))

    os.kill(first, signal.SIGKILL)
    wait_for(lambda: first not in children(process.pid) and len(children(process.pid)) == 2)
    wait_for(lambda: _healthy(url))
    workers = children(process.pid)
    assert second in workers

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert not any(Path(f"/proc/{worker}").exists() and is_running(worker) for worker in workers)


def test_a_port_held_by_another_program_is_a_clear_error(environment: dict[str, str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        command = [CIVICSHARE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr
