"""The S3-compatible backend (AWS S3, MinIO, Ceph, moto's server) through obstore.

obstore is the Rust `object_store` crate's Python binding: async without threads, a streamed GET, and
multipart PUT of a local file in chunks, so a large export never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from civicshare.storage.port import FileMissing, OpenedFile, StorageUnavailable, StoredObject

CHUNK = 1 << 20
MISSING = (NotFoundError, FileNotFoundError)  # obstore raises the latter for a 404
# A store that does not answer should fail a request in seconds, not hold it for obstore's default minutes.
RETRIES = {
    "max_retries": 2,
    "retry_timeout": timedelta(seconds=10),
    "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=2), "base": 2},
}


def _unavailable(error: Exception) -> StorageUnavailable:
    return StorageUnavailable(f"the file store could not be used: {type(error).__name__}: {error}")


class S3FileStore:
    def __init__(self, store: S3Store, bucket: str, prefix: str | None) -> None:
        self.store, self.bucket, self.prefix = store, bucket, f"{prefix.strip('/')}/" if prefix else ""

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    async def put(self, key: str, content: bytes) -> None:
        try:
            await obstore.put_async(self.store, key, content)
        except Exception as error:
            raise _unavailable(error) from error

    async def put_file(self, key: str, source: Path) -> None:
        try:
            await obstore.put_async(self.store, key, source)  # multipart in 5 MB parts past 5 MB
        except Exception as error:
            raise _unavailable(error) from error

    async def read(self, key: str) -> bytes:
        try:
            found = await obstore.get_async(self.store, key)
            return bytes(await found.bytes_async())
        except MISSING:
            raise FileMissing(key) from None
        except Exception as error:
            raise _unavailable(error) from error

    async def open(self, key: str) -> OpenedFile:
        try:
            found = await obstore.get_async(self.store, key)
        except MISSING:
            raise FileMissing(key) from None
        except Exception as error:
            raise _unavailable(error) from error

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in found.stream(min_chunk_size=CHUNK):
                yield bytes(chunk)

        return OpenedFile(int(found.meta["size"]), chunks())

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self.store, key)
        except MISSING:
            return False
        except Exception as error:
            raise _unavailable(error) from error
        return True

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self.store, key)
        except MISSING:
            return
        except Exception as error:
            raise _unavailable(error) from error

    async def list(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        try:
            async for batch in obstore.list(self.store, prefix, chunk_size=1000):
                found += [StoredObject(item["path"], item["size"], item["last_modified"]) for item in batch]
        except Exception as error:
            raise _unavailable(error) from error
        return sorted(found, key=lambda item: item.key)
