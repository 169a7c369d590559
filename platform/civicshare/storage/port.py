"""The storage port: what every backend does, and the two errors callers handle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


class StorageUnavailable(Exception):
    """The file store could not be reached or refused the operation (S3 down, disk full)."""


class FileMissing(Exception):
    """No file is kept under that key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class OpenedFile:
    """A file found and ready to stream: its size is known before the first byte is sent."""

    size: int
    chunks: AsyncIterator[bytes]


class FileStore(Protocol):
    """Keys are '/'-separated relative paths; `CouncilFiles` makes and checks them."""

    def location(self, key: str) -> str:
        """Where a person finds the file: a path on disk, or s3://bucket/key."""
        ...

    async def put(self, key: str, content: bytes) -> None: ...

    async def put_file(self, key: str, source: Path) -> None:
        """Store a local file's content without holding it all in memory; `source` stays the caller's."""
        ...

    async def read(self, key: str) -> bytes: ...

    async def open(self, key: str) -> OpenedFile: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the file; one already gone is fine."""
        ...

    async def list(self, prefix: str) -> list[StoredObject]:
        """Every file whose key starts with `prefix` (a folder, ending in '/')."""
        ...
