"""Files residents attach to a transaction (photos of a pothole): checked by their content, stored per council.

The type is decided by the file's first bytes, never by its name or the browser's content type, and
checked against the service's AttachmentPolicy with GOV.UK messages. Files are kept in the file store
(`civicshare.storage`) under `attachments/<council schema>/<reference>/<sha256>.<ext>` so one council's
files never sit beside another's; the attachments table in the council's schema records them. A file
is stored before its row is written, so a row never points at a missing file (a file whose row was
rolled back is an orphan, harmless).
"""

from __future__ import annotations

import asyncio
import hashlib
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


async def attach_files(
    connection: AsyncConnection,
    tenant: TenantContext,
    store: FileStore,
    service: ServiceDefinition[Any],
    transaction_id: int,
    reference: str,
    files: list[UploadedFile],
) -> list[StoredAttachment]:
    """Check files against the service's policy (counting those already attached) and store them.

    Photos are prepared first (`transactions.photos`: HEIC to JPEG, turned upright, resized, metadata
    stripped), so the policy's limits apply to what is kept.
    """
    files = await prepared_files(service, files)
    already = int(
        await connection.scalar(
            select(func.count()).select_from(attachments).where(attachments.c.transaction_id == transaction_id)
        )
        or 0
    )
    sniffed = [(file, sniff_content_type(file.content)) for file in files]
    described = [Attachment(file.filename, kind, len(file.content)) for file, kind in sniffed]
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
    stored: list[StoredAttachment] = []
    files_here = council_attachments(store, tenant)
    for file, kind in sniffed:
        # Hashing up to 40 MB runs beside the event loop, which serves every council.
        digest = await asyncio.to_thread(_sha256, file.content)
        key = f"{reference}/{digest}.{EXTENSIONS[kind]}"  # the same photo twice is one file
        await files_here.put(key, file.content)  # StorageUnavailable leaves no row behind
        filename = Path(file.filename or "upload").name[:255]
        new_id = await connection.scalar(
            insert(attachments)
            .values(
                transaction_id=transaction_id,
                filename=filename,
                content_type=kind,
                size_bytes=len(file.content),
                sha256=digest,
                storage_key=key,
            )
            .returning(attachments.c.id)
        )
        stored.append(StoredAttachment(int(new_id or 0), filename, kind, len(file.content), digest))
    return stored


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
