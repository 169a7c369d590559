"""Offline contact counts from a CSV file: calls, visits, emails and chats the platform did not see.

The file has a header row naming the columns ``date``, ``service``, ``channel`` and ``count`` (any
order, any case; other columns are not allowed so a mistaken file is not half-read). Dates are
``2024-03-31`` or ``31/03/2024``. Channels are the channel codes (``face_to_face``, ``phone``,
``email``, ``letter``, ``webchat``, ``web``, ``app``); "Face to face" and "face-to-face" are read as
``face_to_face``. Counts are whole numbers, 0 to 1,000,000 (a day's contacts for one service on one
channel). A date after ``today``, when the caller gives it, is refused. Blank lines are skipped.

Every row is checked on its own, so one bad row does not stop the rest: the result lists accepted rows
and, for each rejected row, its line number in the file and every reason in plain words. Whether to
store the accepted rows of a file with errors is the caller's choice: the API and the CLI store nothing
from a file with errors unless asked for a partial import, and then say which rows were skipped.

Re-importing: the natural key of a count is (date, service, channel). Storing an import must upsert on
that key, the imported count REPLACING any earlier imported count for the same key, never adding to it.
So importing the same file twice, or a corrected file for the same days, never double counts. Imported
counts sit beside counts of platform transactions and are added to them only when a report merges the
two. Each accepted row has a fingerprint of its content, so a store can skip rows that have not
changed; the file fingerprint is the same for the same set of rows in any order, so a store can
recognise a file it has already imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from civicshare.savings.channels import Channel
from civicshare.savings.rollups import RollupKey, RollupRow

COLUMNS = ("date", "service", "channel", "count")
MAX_COUNT = 1_000_000


class _CsvReader(Protocol):
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_CHANNEL_LIST = ", ".join(channel.value for channel in Channel)


class OfflineContactCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    day: date
    service: str
    channel: Channel
    count: int = Field(ge=0, le=MAX_COUNT)

    @property
    def key(self) -> RollupKey:
        return (self.day, self.service, self.channel)

    @property
    def fingerprint(self) -> str:
        return _sha256(_canonical(self))

    def to_rollup_row(self) -> RollupRow:
        return RollupRow(day=self.day, service=self.service, channel=self.channel, count=self.count)


class RejectedRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    values: tuple[str, ...]
    reasons: tuple[str, ...]


class OfflineImport(BaseModel):
    model_config = ConfigDict(frozen=True)

    accepted: tuple[OfflineContactCount, ...]
    rejected: tuple[RejectedRow, ...]

    @property
    def fingerprint(self) -> str:
        return _sha256("\n".join(sorted(_canonical(row) for row in self.accepted)))

    @property
    def has_errors(self) -> bool:
        return bool(self.rejected)


def _canonical(row: OfflineContactCount) -> str:
    return f"{row.day.isoformat()}|{row.service}|{row.channel.value}|{row.count}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse_offline_contacts(
    csv_text: str, *, known_services: Collection[str] | None = None, today: date | None = None
) -> OfflineImport:
    """Check every row of an offline contacts file; pass ``known_services`` to refuse unknown services
    and ``today`` to refuse dates after it."""
    reader = csv.reader(io.StringIO(csv_text.removeprefix("\ufeff")))
    try:
        return _check_file(reader, known_services, today)
    except csv.Error:
        # Usually a quote mark never closed, which swallows the rest of the file: keep nothing half-read.
        return _file_rejected(
            reader.line_num,
            (),
            "This line could not be read as CSV, perhaps because a quote mark is not closed,"
            " so the file was not imported",
        )


def _check_file(reader: _CsvReader, known_services: Collection[str] | None, today: date | None) -> OfflineImport:
    header = next((values for values in reader if any(value.strip() for value in values)), None)
    if header is None:
        return _file_rejected(1, (), "The file is empty. It needs a header row and at least one count")
    positions = _column_positions(header)
    if positions is None:
        return _file_rejected(
            reader.line_num,
            tuple(header),
            f"The first row must name the columns {', '.join(COLUMNS)}, and no others",
        )

    accepted: list[OfflineContactCount] = []
    rejected: list[RejectedRow] = []
    first_line_of: dict[RollupKey, int] = {}
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        line = reader.line_num
        row, reasons = _check_row(values, positions, line, known_services, today)
        if row is not None and row.key in first_line_of:
            reasons = [f"This repeats the date, service and channel on line {first_line_of[row.key]}"]
        if row is None or reasons:
            rejected.append(RejectedRow(line=line, values=tuple(values), reasons=tuple(reasons)))
            continue
        first_line_of[row.key] = line
        accepted.append(row)
    return OfflineImport(accepted=tuple(accepted), rejected=tuple(rejected))


def _file_rejected(line: int, values: tuple[str, ...], reason: str) -> OfflineImport:
    return OfflineImport(accepted=(), rejected=(RejectedRow(line=line, values=values, reasons=(reason,)),))


def _column_positions(header: list[str]) -> dict[str, int] | None:
    names = [name.strip().lower() for name in header]
    if sorted(names) != sorted(COLUMNS):
        return None
    return {name: names.index(name) for name in COLUMNS}


def _check_row(
    values: list[str],
    positions: dict[str, int],
    line: int,
    known_services: Collection[str] | None,
    today: date | None,
) -> tuple[OfflineContactCount | None, list[str]]:
    if len(values) != len(COLUMNS):
        return None, [f"This row has {len(values)} values but needs {len(COLUMNS)}: {', '.join(COLUMNS)}"]
    reasons: list[str] = []
    day = _read_date(values[positions["date"]], reasons)
    if day is not None and today is not None and day > today:
        reasons.append(f"Date must be today or earlier, not {day.isoformat()}, which is in the future")
        day = None
    service = _read_service(values[positions["service"]], known_services, reasons)
    channel = _read_channel(values[positions["channel"]], reasons)
    count = _read_count(values[positions["count"]], reasons)
    if day is None or service is None or channel is None or count is None:
        return None, reasons
    return OfflineContactCount(line=line, day=day, service=service, channel=channel, count=count), reasons


def _read_date(value: str, reasons: list[str]) -> date | None:
    text = value.strip()
    if not text:
        reasons.append("Enter a date")
        return None
    for date_format in _DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    reasons.append(f"Date must be a real date, like 2024-03-31 or 31/03/2024, not {text!r}")
    return None


def _read_service(value: str, known_services: Collection[str] | None, reasons: list[str]) -> str | None:
    service = value.strip()
    if not service:
        reasons.append("Enter a service")
        return None
    if known_services is not None and service not in known_services:
        reasons.append(f"{service!r} is not a service this council offers on the platform")
        return None
    return service


def _read_channel(value: str, reasons: list[str]) -> Channel | None:
    text = re.sub(r"[\s-]+", "_", value.strip().lower())
    if not text:
        reasons.append("Enter a channel")
        return None
    try:
        return Channel(text)
    except ValueError:
        reasons.append(f"Channel must be one of {_CHANNEL_LIST}, not {value.strip()!r}")
        return None


def _read_count(value: str, reasons: list[str]) -> int | None:
    text = value.strip()
    if not text:
        reasons.append("Enter a count")
        return None
    if re.fullmatch(r"-[0-9]+", text):
        reasons.append(f"Count must be 0 or more, not {text}")
        return None
    if not re.fullmatch(r"[0-9]+", text):
        reasons.append(f"Count must be a whole number, like 12, not {text!r}")
        return None
    if len(text.lstrip("0")) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
        reasons.append(f"Count must be at most {MAX_COUNT:,} for one day, service and channel, not {text}")
        return None
    return int(text)


def replace_imported_counts(previous: Iterable[RollupRow], new_import: OfflineImport) -> list[RollupRow]:
    """The stored imported counts after ``new_import``: each of its counts replaces the one for its key.

    This is the upsert a store must do (insert, or update the count on a key conflict); keys the new file
    does not mention keep their earlier count.
    """
    counts: dict[RollupKey, int] = {row.key: row.count for row in previous}
    counts.update((row.key, row.count) for row in new_import.accepted)
    return [
        RollupRow(day=day, service=service, channel=channel, count=count)
        for (day, service, channel), count in sorted(counts.items())
    ]
