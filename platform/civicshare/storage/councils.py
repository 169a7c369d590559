"""One council's files in one area: the only way the platform's code names a stored file.

A key is `<area>/<council>/<name>`: the council part comes from the council (its schema, or its slug
for exports, as the folders on disk always were), never from a request, and a name may not climb out
(`..`, absolute paths and backslashes are refused), so one council's code cannot address another's files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from civicshare.storage.port import FileStore, OpenedFile, StoredObject

_COUNCIL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class Area(StrEnum):
    ATTACHMENTS = "attachments"  # by council schema
    PENDING_PHOTOS = "pending-photos"  # by council schema
    EXPORTS = "exports"  # by council slug: council archives, queue exports, subject access exports


@dataclass(frozen=True)
class CouncilFiles:
    store: FileStore
    area: Area
    council: str

    def __post_init__(self) -> None:
        if not _COUNCIL.match(self.council):
            raise ValueError(f"not a council's folder name: {self.council!r}")

    @property
    def prefix(self) -> str:
        return f"{self.area.value}/{self.council}/"

    def key(self, name: str) -> str:
        segments = name.split("/")
        if not all(_SEGMENT.match(segment) and segment not in (".", "..") for segment in segments):
            raise ValueError(f"not a file name inside a council's folder: {name!r}")
        return self.prefix + name

    def location(self, name: str) -> str:
        return self.store.location(self.key(name))

    async def put(self, name: str, content: bytes) -> None:
        await self.store.put(self.key(name), content)

    async def put_file(self, name: str, source: Path) -> None:
        await self.store.put_file(self.key(name), source)

    async def read(self, name: str) -> bytes:
        return await self.store.read(self.key(name))

    async def open(self, name: str) -> OpenedFile:
        return await self.store.open(self.key(name))

    async def exists(self, name: str) -> bool:
        return await self.store.exists(self.key(name))

    async def delete(self, name: str) -> None:
        await self.store.delete(self.key(name))

    async def list(self, folder: str = "") -> list[StoredObject]:
        """The council's files in this area (under `folder`), keyed by name relative to the council."""
        prefix = self.key(folder.rstrip("/")) + "/" if folder else self.prefix
        found = await self.store.list(prefix)
        return [StoredObject(item.key[len(self.prefix) :], item.size, item.modified) for item in found]
