"""The `civicshare` command's entry point, kept light.

`civicshare serve` and `civicshare worker` start their processes with multiprocessing's spawn, which runs
the script that started the parent again in each child (as `__mp_main__`) before the code the child is
for. With the script importing the command line, every web worker, job worker and delivery process first
imported every command's modules, some 5 s of a 2-core machine each, at every start and every replacement.
The script imports this module alone; the command line is imported when the command runs.
"""

from __future__ import annotations

from typing import Any


def main() -> Any:
    from civicshare.cli import main as command_line  # here, not above: the point of this module

    return command_line()
