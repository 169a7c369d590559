"""Readable references, unique per council: `KNG-2026-000123`, counted per council per year.

The number itself is taken inside the submission's one INSERT (`civicshare.transactions.service`)."""

from __future__ import annotations

import re

REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{6,}$")


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def normalise_reference(text: str) -> str:
    """What a resident types back from a phone screen: spaces, lower case, missing dashes."""
    compact = re.sub(r"[\s-]", "", text).upper()
    match = re.fullmatch(r"([A-Z]{2,5})(\d{4})(\d{6,})", compact)
    return f"{match[1]}-{match[2]}-{match[3]}" if match else text.strip().upper()
