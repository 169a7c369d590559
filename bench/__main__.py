"""`python -m bench [name ...]`: run the named benchmarks (all of them by default) and print their tables."""

from __future__ import annotations

import argparse
import asyncio

from bench import savings

BENCHMARKS = {"savings": savings.main}


def run() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    arguments = parser.parse_args()
    unknown = [name for name in arguments.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark called {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in arguments.names or list(BENCHMARKS):
        asyncio.run(BENCHMARKS[name](quick=arguments.quick))


if __name__ == "__main__":
    run()
