"""`civicshare serve` and `civicshare worker` start their web workers, job worker and delivery processes
with multiprocessing's spawn, which runs the `civicshare` script again in each (as `__mp_main__`) before the
code the process is for. The script must not import the whole command line there: that was some 5 s of
CPU for each process, at every start and every replacement of a dead one."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.serving import CIVICSHARE

WHAT_A_SPAWNED_PROCESS_RUNS = """
import runpy, sys
runpy.run_path(sys.argv[1], run_name="__mp_main__")
print(sorted(name for name in sys.modules if name.startswith("civicshare")))
"""


def test_a_spawned_process_runs_the_script_without_importing_the_command_line() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", WHAT_A_SPAWNED_PROCESS_RUNS, CIVICSHARE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.strip() == "['civicshare', 'civicshare.entry']"


def test_the_script_still_runs_the_command_line() -> None:
    shown = subprocess.run([CIVICSHARE, "--help"], capture_output=True, text=True, check=True).stdout
    assert "many councils, one platform" in shown
    assert "serve" in shown and "migrate" in shown
