"""The local-disk backend: files under a folder (the data dir by default), with the layout the platform
always used, so a deployment's existing files are found where they are."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

from civicshare.storage.port import FileMissing, OpenedFile, StorageUnavailable, StoredObject

CHUNK = 1 << 20
T = TypeVar("T")


async def _on_disk(work: Callable[[], T]) -> T:
    """Run file work beside the event loop (it serves every council); disk errors become the port's."""
    try:
        return await asyncio.to_thread(work)
    except FileNotFoundError as missing:
        raise FileMissing(str(missing)) from None
    except OSError as error:
        raise StorageUnavailable(f"the file store could not be used: {error}") from error


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key

    def _replace_with(self, key: str, write: Callable[[Path], object]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")  # readers never see half a file
        try:
            write(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def location(self, key: str) -> str:
        return str(self._path(key))

    async def put(self, key: str, content: bytes) -> None:
        await _on_disk(lambda: self._replace_with(key, lambda partial: partial.write_bytes(content)))

    async def put_file(self, key: str, source: Path) -> None:
        await _on_disk(lambda: self._replace_with(key, lambda partial: shutil.copyfile(source, partial)))

    async def read(self, key: str) -> bytes:
        return await _on_disk(self._path(key).read_bytes)

    async def open(self, key: str) -> OpenedFile:
        handle: BinaryIO = await _on_disk(lambda: self._path(key).open("rb"))
        size = os.fstat(handle.fileno()).st_size
        return OpenedFile(size, _chunks(handle))

    async def exists(self, key: str) -> bool:
        return await _on_disk(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # the folder, once empty

        await _on_disk(remove)

    async def list(self, prefix: str) -> list[StoredObject]:
        folder = self._path(prefix)

        def walk() -> list[StoredObject]:
            if not folder.is_dir():
                return []
            found = []
            for path in folder.rglob("*"):
                if path.name.startswith(".") or not path.is_file():
                    continue
                stat = path.stat()
                key = path.relative_to(self.root).as_posix()
                found.append(StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
            return sorted(found, key=lambda item: item.key)

        return await _on_disk(walk)


async def _chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            yield chunk
    finally:
        handle.close()
