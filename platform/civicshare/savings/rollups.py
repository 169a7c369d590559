"""Daily rollups: how many contacts each service had on each channel each day.

Reports read rollups, never raw rows. A rollup can always be rebuilt from the raw records with
``compute_rollups``; ``compare_rollups`` checks the stored rollups agree with the rebuild exactly.
Records marked as test data never count. Transactions and imported offline contacts are both contacts:
``merge_rollups`` adds the two together before a report.

Which day a record belongs to (UK local time, not UTC) is decided by whoever turns timestamps into days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from civicshare.savings.channels import Channel
from civicshare.savings.figures import without_validation

RollupKey = tuple[date, str, Channel]


class RollupRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    service: str
    channel: Channel
    count: int = Field(ge=0)

    @classmethod
    def of(cls, day: date, service: str, channel: Channel, count: int) -> RollupRow:
        """A row from values already checked (read from the database), without validating them again."""
        return without_validation(cls, {"day": day, "service": service, "channel": channel, "count": count})

    @property
    def key(self) -> RollupKey:
        return (self.day, self.service, self.channel)


class ContactRecord(Protocol):
    """Anything shaped like one raw contact: a transaction row, an event, a test double."""

    @property
    def day(self) -> date: ...

    @property
    def service(self) -> str: ...

    @property
    def channel(self) -> Channel: ...

    @property
    def test_data(self) -> bool: ...


class RecordedContact(BaseModel):
    """A plain raw contact record, for callers that have no record type of their own."""

    model_config = ConfigDict(frozen=True)

    day: date
    service: str
    channel: Channel
    test_data: bool = False


def _rows(counts: Counter[RollupKey]) -> list[RollupRow]:
    return [
        RollupRow(day=day, service=service, channel=channel, count=count)
        for (day, service, channel), count in sorted(counts.items())
        if count
    ]


def compute_rollups(records: Iterable[ContactRecord]) -> list[RollupRow]:
    """One row per day, service and channel with contacts, test data left out, in key order."""
    counts: Counter[RollupKey] = Counter(
        (record.day, record.service, record.channel) for record in records if not record.test_data
    )
    return _rows(counts)


def merge_rollups(*row_sets: Iterable[RollupRow]) -> list[RollupRow]:
    """Add several sets of rollups together, such as transactions and imported offline contacts."""
    counts: Counter[RollupKey] = Counter()
    for rows in row_sets:
        for row in rows:
            counts[row.key] += row.count
    return _rows(counts)


class RollupDifference(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    service: str
    channel: Channel
    stored: int
    rebuilt: int


def compare_rollups(stored: Iterable[RollupRow], rebuilt: Iterable[RollupRow]) -> list[RollupDifference]:
    """Every key where the stored count differs from the rebuilt one; a missing row counts as 0."""
    stored_counts: Counter[RollupKey] = Counter()
    for row in stored:
        stored_counts[row.key] += row.count
    rebuilt_counts: Counter[RollupKey] = Counter()
    for row in rebuilt:
        rebuilt_counts[row.key] += row.count
    return [
        RollupDifference(
            day=day,
            service=service,
            channel=channel,
            stored=stored_counts[(day, service, channel)],
            rebuilt=rebuilt_counts[(day, service, channel)],
        )
        for day, service, channel in sorted(set(stored_counts) | set(rebuilt_counts))
        if stored_counts[(day, service, channel)] != rebuilt_counts[(day, service, channel)]
    ]
