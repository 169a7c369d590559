"""Readable references, unique per council: `KNG-2026-000123`, counted per council per year."""

from __future__ import annotations

import re

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.tables import reference_sequences

REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{6,}$")


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def normalise_reference(text: str) -> str:
    """What a resident types back from a phone screen: spaces, lower case, missing dashes."""
    compact = re.sub(r"[\s-]", "", text).upper()
    match = re.fullmatch(r"([A-Z]{2,5})(\d{4})(\d{6,})", compact)
    return f"{match[1]}-{match[2]}-{match[3]}" if match else text.strip().upper()


async def next_reference(connection: AsyncConnection, prefix: str, year: int) -> str:
    """Take the next number in this council's sequence for the year (row-locked, gap-free on commit)."""
    insert_first = insert(reference_sequences).values(year=year, last_number=1)
    statement = insert_first.on_conflict_do_update(
        index_elements=[reference_sequences.c.year],
        set_={"last_number": reference_sequences.c.last_number + 1},
    ).returning(reference_sequences.c.last_number)
    number = await connection.scalar(statement)
    assert number is not None
    return format_reference(prefix, year, int(number))
