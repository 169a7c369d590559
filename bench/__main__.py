"""Run every benchmark module in bench/ (or only those named) and print each one's table.

A benchmark module defines `async def run_benchmark(database: BenchDatabase) -> Table`.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import shutil
import sys
from collections.abc import Awaitable, Callable
from typing import cast

from rich.console import Console
from rich.table import Table

import bench
from bench.harness import BenchDatabase, bench_database

Benchmark = Callable[[BenchDatabase], Awaitable[Table]]
# Benchmarks run the platform on the embedded PostgreSQL and the dev identity: development, asked for.
os.environ.setdefault("CIVICSHARE_MODE", "development")


def discover(names: list[str]) -> dict[str, Benchmark]:
    found: dict[str, Benchmark] = {}
    for module_info in pkgutil.iter_modules(bench.__path__):
        if module_info.name in {"harness"} or module_info.name.startswith(("_", "national")):
            continue
        if names and module_info.name not in names:
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        if hasattr(module, "run_benchmark"):
            found[module_info.name] = cast(Benchmark, module.run_benchmark)
    missing = set(names) - set(found)
    if missing:
        sys.exit(f"no benchmark called {', '.join(sorted(missing))}")
    return found


async def main(names: list[str]) -> None:
    # Wide enough for the tables even when the output goes to a file or a CI log (rich assumes 80).
    console = Console(width=max(shutil.get_terminal_size().columns, 150))
    for name, benchmark in discover(names).items():
        console.print(f"[bold]running {name}...[/bold]")
        async with bench_database() as database:
            console.print(await benchmark(database))


if __name__ == "__main__":
    if sys.argv[1:2] == ["national"]:  # too big for `make bench`: run by name, with its own options
        from bench.national import main as national

        national(sys.argv[2:])
    else:
        asyncio.run(main(sys.argv[1:]))
