"""Photos added inside a service's form, before it is sent: the "photos" page after the module's steps.

A form in progress has no transaction to attach files to, so the photos wait beside the draft, under
`<data_dir>/pending-photos/<council schema>/<digest of the draft's key>/` (the key is the draft's
secret, kept in the signed flow cookie, so no one else can name the folder). They are checked and
prepared as they arrive (`transactions.attachments.prepared_files`: HEIC to JPEG, upright, resized,
no metadata) and against the service's policy, and attached to the request once it is sent. Folders
of drafts left for a day are removed when the council's next photo arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules import Attachment, ServiceDefinition, check_attachments
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import (
    AttachmentsRefused,
    StoredAttachment,
    UploadedFile,
    attach_files,
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

    def __init__(self, data_dir: Path, tenant: TenantContext, draft_key: str) -> None:
        self.council_dir = data_dir / "pending-photos" / tenant.schema
        self.folder = self.council_dir / hashlib.sha256(draft_key.encode()).hexdigest()[:32]

    def waiting(self) -> list[PendingPhoto]:
        manifest = self.folder / MANIFEST
        if not manifest.is_file():
            return []
        try:
            entries = json.loads(manifest.read_text())
            return [PendingPhoto(str(entry["filename"]), str(entry["stored_as"])) for entry in entries]
        except (ValueError, KeyError, TypeError):
            return []

    def _save(self, photos: list[PendingPhoto]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / (MANIFEST + ".part")
        temporary.write_text(json.dumps([{"filename": p.filename, "stored_as": p.stored_as} for p in photos]))
        temporary.replace(self.folder / MANIFEST)

    async def add(self, service: ServiceDefinition[Any], files: list[UploadedFile]) -> None:
        """Prepare, check (with those already waiting) and keep the files; AttachmentsRefused if not."""
        waiting = self.waiting()
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
        await asyncio.to_thread(self._write, waiting, prepared)

    def _write(self, waiting: list[PendingPhoto], prepared: list[UploadedFile]) -> None:
        self._forget_abandoned()
        self.folder.mkdir(parents=True, exist_ok=True)
        for file in prepared:
            digest = hashlib.sha256(file.content).hexdigest()[:32]
            (self.folder / digest).write_bytes(file.content)
            waiting.append(PendingPhoto(Path(file.filename or "photo").name[:255], digest))
        self._save(waiting)

    def remove(self, stored_as: str) -> None:
        waiting = self.waiting()
        kept = [photo for photo in waiting if photo.stored_as != stored_as]
        if len(kept) != len(waiting):
            (self.folder / stored_as).unlink(missing_ok=True)
            self._save(kept)

    def files(self) -> list[UploadedFile]:
        return [
            UploadedFile(photo.filename, (self.folder / photo.stored_as).read_bytes())
            for photo in self.waiting()
            if (self.folder / photo.stored_as).is_file()
        ]

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _forget_abandoned(self) -> None:
        if not self.council_dir.is_dir():
            return
        cutoff = time.time() - ABANDONED_SECONDS
        for folder in self.council_dir.iterdir():
            if folder.is_dir() and folder != self.folder and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


async def attach_waiting_photos(
    connection: AsyncConnection,
    tenant: TenantContext,
    data_dir: Path,
    service: ServiceDefinition[Any],
    transaction: dict[str, Any],
    pending: PendingPhotos,
) -> list[StoredAttachment]:
    """Attach the draft's photos to the request it became, then forget them."""
    files = await asyncio.to_thread(pending.files)
    if not files:
        return []
    stored = await attach_files(
        connection, tenant, data_dir, service, transaction["id"], transaction["reference"], files
    )
    await asyncio.to_thread(pending.discard)
    return stored
