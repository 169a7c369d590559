"""`python -m bench` (make bench): run every benchmark module in this folder with its defaults."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    sys.argv = sys.argv[:1]
    for module in sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if not module.startswith("_"):
            importlib.import_module(f"bench.{module}").main()


if __name__ == "__main__":
    main()
