"""Files residents attach to a transaction (photos of a pothole): checked by their content, stored per council.

The type is decided by the file's first bytes, never by its name or the browser's content type, and
checked against the service's AttachmentPolicy with GOV.UK messages. Files are kept in the file store
(`civicshare.storage`) under `attachments/<council schema>/<folder>/<nonce>-<sha256>.<ext>` (the folder is
the request's reference) so one council's files never sit beside another's; the attachments table in the
council's schema records them. A file is stored before the database transaction that writes its row
(`stage_files`, then `record_staged`), so a row never points at a missing file and no pooled connection
waits on the store; a file whose row was rolled back is removed (`StagedFiles.discard`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules import Attachment, ServiceDefinition, check_attachments
from civicshare.storage import Area, CouncilFiles, FileMissing, FileStore, OpenedFile
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.photos import PhotoUnreadable, prepared_photo
from civicshare.transactions.tables import attachments

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
EXTENSIONS = {kind: extension for _, kind, extension in _SIGNATURES}
MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # one request's files: room for any service's own limits


def sniff_content_type(content: bytes) -> str:
    """What the bytes are (JPEG, PNG or PDF), or application/octet-stream for anything else."""
    for signature, kind, _ in _SIGNATURES:
        if content.startswith(signature):
            return kind
    return "application/octet-stream"


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class AttachmentsRefused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def council_attachments(store: FileStore, tenant: TenantContext) -> CouncilFiles:
    return CouncilFiles(store, Area.ATTACHMENTS, tenant.schema)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class StagedFile:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    key: str


@dataclass(frozen=True)
class StagedFiles:
    """Files already in the store under their final keys, not yet named by any row.

    They are written before the database transaction that records them, so no pooled connection waits on
    a slow store; if that transaction does not commit, `discard` removes them (and should that fail too,
    the orphan sweep, `civicshare.housekeeping`, removes them a day later).
    """

    files_here: CouncilFiles
    files: tuple[StagedFile, ...]

    async def discard(self) -> None:
        for file in self.files:
            with contextlib.suppress(Exception):
                await self.files_here.delete(file.key)


async def count_attachments(connection: AsyncConnection, transaction_id: int) -> int:
    return int(
        await connection.scalar(
            select(func.count()).select_from(attachments).where(attachments.c.transaction_id == transaction_id)
        )
        or 0
    )


def _check_policy(service: ServiceDefinition[Any], already: int, described: list[Attachment]) -> None:
    placeholders = (
        [Attachment("existing", next(iter(service.attachments.allowed_types)), 1)] * already
        if (service.attachments)
        else []
    )
    errors = check_attachments(service, [*placeholders, *described])
    if errors:
        shifted = {
            (f"attachments.{int(key.split('.')[1]) - already}" if key.startswith("attachments.") else key): message
            for key, message in errors.items()
        }
        raise AttachmentsRefused(shifted)


async def stage_files(
    store: FileStore,
    tenant: TenantContext,
    service: ServiceDefinition[Any],
    folder: str,
    files: list[UploadedFile],
    *,
    already: int,
) -> StagedFiles:
    """Prepare and check files (with `already` attached) and write them to the store, outside any
    database transaction; `record_staged` then names them in one.

    Photos are prepared first (`transactions.photos`: HEIC to JPEG, turned upright, resized, metadata
    stripped), so the policy's limits apply to what is kept. Each file gets a key of its own (the same
    photo sent twice is two files), so discarding one upload's files never removes a file another row names.
    """
    files = await prepared_files(service, files)
    sniffed = [(file, sniff_content_type(file.content)) for file in files]
    _check_policy(service, already, [Attachment(file.filename, kind, len(file.content)) for file, kind in sniffed])
    staged = StagedFiles(council_attachments(store, tenant), ())
    written: list[StagedFile] = []
    try:
        for file, kind in sniffed:
            # Hashing up to 40 MB runs beside the event loop, which serves every council.
            digest = await asyncio.to_thread(_sha256, file.content)
            key = f"{folder}/{secrets.token_hex(4)}-{digest}.{EXTENSIONS[kind]}"
            await staged.files_here.put(key, file.content)
            filename = Path(file.filename or "upload").name[:255]
            written.append(StagedFile(filename, kind, len(file.content), digest, key))
    except BaseException:
        await StagedFiles(staged.files_here, tuple(written)).discard()  # StorageUnavailable leaves nothing behind
        raise
    return StagedFiles(staged.files_here, tuple(written))


async def record_staged(
    connection: AsyncConnection, service: ServiceDefinition[Any], transaction_id: int, staged: StagedFiles
) -> list[StoredAttachment]:
    """Name staged files as the transaction's attachments, checking the policy again against the files
    attached meanwhile (lock the transaction's row first). The caller discards them if this fails."""
    already = await count_attachments(connection, transaction_id)
    _check_policy(service, already, [Attachment(f.filename, f.content_type, f.size_bytes) for f in staged.files])
    stored: list[StoredAttachment] = []
    for file in staged.files:
        new_id = await connection.scalar(
            insert(attachments)
            .values(
                transaction_id=transaction_id,
                filename=file.filename,
                content_type=file.content_type,
                size_bytes=file.size_bytes,
                sha256=file.sha256,
                storage_key=file.key,
            )
            .returning(attachments.c.id)
        )
        stored.append(
            StoredAttachment(int(new_id or 0), file.filename, file.content_type, file.size_bytes, file.sha256)
        )
    return stored


@asynccontextmanager
async def discarded_unless_recorded(staged: StagedFiles) -> AsyncIterator[StagedFiles]:
    """Around the database work that records staged files: any failure removes them from the store."""
    try:
        yield staged
    except BaseException:
        await staged.discard()
        raise


async def prepared_files(service: ServiceDefinition[Any], files: list[UploadedFile]) -> list[UploadedFile]:
    """The files as they will be kept; a photo that cannot be opened is refused with the policy's message."""
    prepared: list[UploadedFile] = []
    for index, file in enumerate(files):
        try:
            # Decoding and resizing run beside the event loop, which serves every council.
            photo = await asyncio.to_thread(prepared_photo, file.filename, file.content)
        except PhotoUnreadable:
            types = service.attachments.type_names() if service.attachments else "JPG or PNG"
            message = f"The selected file could not be opened: choose a {types} photo"
            raise AttachmentsRefused({f"attachments.{index}": message}) from None
        prepared.append(UploadedFile(photo.filename, photo.content))
    return prepared


async def list_attachments(connection: AsyncConnection, transaction_id: int) -> list[StoredAttachment]:
    rows = await connection.execute(
        select(attachments).where(attachments.c.transaction_id == transaction_id).order_by(attachments.c.id)
    )
    return [StoredAttachment(row.id, row.filename, row.content_type, row.size_bytes, row.sha256) for row in rows]


async def stored_file(
    connection: AsyncConnection, store: FileStore, tenant: TenantContext, transaction_id: int, attachment_id: int
) -> tuple[StoredAttachment, OpenedFile] | None:
    """One of a transaction's attachments, opened to stream; None if the transaction has no such file."""
    row = (
        await connection.execute(
            select(attachments).where(attachments.c.id == attachment_id, attachments.c.transaction_id == transaction_id)
        )
    ).one_or_none()
    if row is None:
        return None
    found = StoredAttachment(row.id, row.filename, row.content_type, row.size_bytes, row.sha256)
    try:
        return found, await council_attachments(store, tenant).open(row.storage_key)
    except FileMissing:
        return None
