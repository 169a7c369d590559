"""Files: one port (`FileStore`) with a local-disk backend (the default) and an S3-compatible one.

Code that keeps files asks for a `CouncilFiles` (one council's files in one area), never a raw key, so
no council's code can name another council's file. `file_store(settings)` picks the backend from
`storage_url` (CIVICSHARE_STORAGE_URL).
"""

from civicshare.storage.councils import Area, CouncilFiles
from civicshare.storage.port import FileMissing, FileStore, OpenedFile, StorageUnavailable, StoredObject
from civicshare.storage.selection import file_store

__all__ = [
    "Area",
    "CouncilFiles",
    "FileMissing",
    "FileStore",
    "OpenedFile",
    "StorageUnavailable",
    "StoredObject",
    "file_store",
]
