"""`civicshare serve --workers N`: every worker answers, a dead worker is replaced, and stopping the
command stops them all; a port held by something else is a clear error, not a crash loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from civicshare.settings import Settings
from tests.support import _free_port

CIVICSHARE = str(Path(sys.executable).parent / "civicshare")


def _workers(pid: int) -> set[int]:
    """The worker processes the supervisor `pid` started (multiprocessing's resource tracker aside)."""
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


def _wait_for(condition: object, seconds: float = 40.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


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
    _wait_for(lambda: _healthy(url) and len(_workers(process.pid)) == 2)
    first, second = sorted(_workers(process.pid))

    os.kill(first, signal.SIGKILL)
    _wait_for(lambda: first not in _workers(process.pid) and len(_workers(process.pid)) == 2)
    _wait_for(lambda: _healthy(url))
    workers = _workers(process.pid)
    assert second in workers

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert not any(Path(f"/proc/{worker}").exists() and _is_running(worker) for worker in workers)


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_port_held_by_another_program_is_a_clear_error(environment: dict[str, str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        command = [CIVICSHARE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr
