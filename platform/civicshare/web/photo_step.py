"""Photos added inside a service's form, before it is sent: the "photos" page after the module's steps.

A form in progress has no transaction to attach files to, so the photos wait beside the draft in the
file store, under `pending-photos/<council schema>/<digest of the draft's key>/` (the key is the draft's
secret, kept in the signed flow cookie, so no one else can name the folder). They are checked and
prepared as they arrive (`transactions.attachments.prepared_files`: HEIC to JPEG, upright, resized,
no metadata) and against the service's policy, and attached to the request once it is sent. Folders
of drafts left for a day are removed when the council's next photo arrives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from civicshare.modules import Attachment, ServiceDefinition, check_attachments
from civicshare.storage import Area, CouncilFiles, FileMissing, FileStore, StoredObject
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import (
    AttachmentsRefused,
    UploadedFile,
    prepared_files,
    sniff_content_type,
)

PHOTOS_STEP = "photos"
MANIFEST = "photos.json"
ABANDONED_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class PendingPhoto:
    filename: str
    stored_as: str


class PendingPhotos:
    """The photos waiting with one draft at one council."""

    def __init__(self, store: FileStore, tenant: TenantContext, draft_key: str) -> None:
        self.files_here = CouncilFiles(store, Area.PENDING_PHOTOS, tenant.schema)
        self.folder = hashlib.sha256(draft_key.encode()).hexdigest()[:32]

    async def waiting(self) -> list[PendingPhoto]:
        try:
            entries = json.loads(await self.files_here.read(f"{self.folder}/{MANIFEST}"))
            return [PendingPhoto(str(entry["filename"]), str(entry["stored_as"])) for entry in entries]
        except FileMissing:
            return []
        except (ValueError, KeyError, TypeError):
            return []

    async def _save(self, photos: list[PendingPhoto]) -> None:
        manifest = json.dumps([{"filename": p.filename, "stored_as": p.stored_as} for p in photos]).encode()
        await self.files_here.put(f"{self.folder}/{MANIFEST}", manifest)

    async def add(self, service: ServiceDefinition[Any], files: list[UploadedFile]) -> None:
        """Prepare, check (with those already waiting) and keep the files; AttachmentsRefused if not."""
        waiting = await self.waiting()
        prepared = await prepared_files(service, files)
        described = [Attachment(f.filename, sniff_content_type(f.content), len(f.content)) for f in prepared]
        kept = [Attachment(p.filename, "image/jpeg", 1) for p in waiting]
        errors = check_attachments(service, [*kept, *described])
        if errors:
            raise AttachmentsRefused(
                {
                    (
                        f"attachments.{int(key.split('.')[1]) - len(kept)}" if key.startswith("attachments.") else key
                    ): text
                    for key, text in errors.items()
                }
            )
        await self._forget_abandoned()
        for file in prepared:
            digest = hashlib.sha256(file.content).hexdigest()[:32]
            await self.files_here.put(f"{self.folder}/{digest}", file.content)  # the photo, then the list naming it
            waiting.append(PendingPhoto(Path(file.filename or "photo").name[:255], digest))
        await self._save(waiting)

    async def remove(self, stored_as: str) -> None:
        waiting = await self.waiting()
        kept = [photo for photo in waiting if photo.stored_as != stored_as]
        if len(kept) != len(waiting):
            await self._save(kept)
            await self.files_here.delete(f"{self.folder}/{stored_as}")

    async def files(self) -> list[UploadedFile]:
        found = []
        for photo in await self.waiting():
            try:
                found.append(
                    UploadedFile(photo.filename, await self.files_here.read(f"{self.folder}/{photo.stored_as}"))
                )
            except FileMissing:
                continue
        return found

    async def discard(self) -> None:
        for item in await self.files_here.list(self.folder):
            await self.files_here.delete(item.key)

    async def _forget_abandoned(self) -> None:
        """Drafts whose newest photo is older than a day are gone: their files go too."""
        cutoff = datetime.now(UTC) - timedelta(seconds=ABANDONED_SECONDS)
        by_draft: dict[str, list[StoredObject]] = {}
        for item in await self.files_here.list():
            by_draft.setdefault(item.key.split("/", 1)[0], []).append(item)
        for draft, items in by_draft.items():
            if draft != self.folder and max(item.modified for item in items) < cutoff:
                for item in items:
                    await self.files_here.delete(item.key)
