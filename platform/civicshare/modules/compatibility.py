"""Which core versions a module works with."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)")


def release_numbers(text: str) -> tuple[int, ...]:
    """The numeric release part of a version ("1.4.0rc1" -> (1, 4, 0)); ValueError if there is none."""
    found = _RELEASE.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a version number")
    numbers = tuple(int(part) for part in found.group(1).split("."))
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers = numbers[:-1]
    return numbers


def is_compatible(core_version: str, min_core_version: str) -> bool:
    """A module runs on any core at or above its minimum within the same major version."""
    core = release_numbers(core_version)
    minimum = release_numbers(min_core_version)
    return core[0] == minimum[0] and core >= minimum


def installed_core_version() -> str:
    """The version of the installed `civicshare` distribution, for the app factory to pass on."""
    try:
        return version("civicshare")
    except PackageNotFoundError as missing:
        raise RuntimeError("the civicshare core distribution is not installed") from missing
