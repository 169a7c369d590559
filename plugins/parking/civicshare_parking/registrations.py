"""UK vehicle registration numbers in their four formats."""

from __future__ import annotations

import re

_FORMATS = {
    "current": re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z]{3}$"),  # AB12 CDE, since 2001
    "prefix": re.compile(r"^[A-Z][0-9]{1,3}[A-Z]{3}$"),  # A123 BCD, 1983 to 2001
    "suffix": re.compile(r"^[A-Z]{3}[0-9]{1,3}[A-Z]$"),  # ABC 123D, 1963 to 1983
    "dateless": re.compile(r"^(?:[0-9]{1,4}[A-Z]{1,3}|[A-Z]{1,3}[0-9]{1,4})$"),  # 1 ABC, ABC 1234
}


def registration_format(text: str) -> str | None:
    """Which format a registration is in ('current', 'prefix', 'suffix', 'dateless'), or None."""
    squashed = normalise_registration(text)
    for name, pattern in _FORMATS.items():
        if pattern.match(squashed):
            return name
    return None


def normalise_registration(text: str) -> str:
    """'ab12 cde' -> 'AB12CDE': the form stored and compared."""
    return re.sub(r"[\s-]", "", text).upper()
