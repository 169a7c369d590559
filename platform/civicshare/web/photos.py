"""Photos a resident adds on the confirmation page of a service that takes them (a pothole, fly-tipping).

They go through the resident API's checks and storage (`transactions.attachments`): the type is read
from the file's bytes, the service's own limits apply, and each council's files sit in its own folder.
The browser that sent the request (its flow cookie says so) may add them for as long as the API's
upload token would last.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.catalogue.service import Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.modules import AttachmentPolicy
from civicshare.storage import FileStore
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import (
    AttachmentsRefused,
    StoredAttachment,
    UploadedFile,
    count_attachments,
    discarded_unless_recorded,
    list_attachments,
    record_staged,
    stage_files,
)
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.tokens import UPLOAD_WINDOW_SECONDS

FIELD = "photos"


@dataclass(frozen=True)
class PhotoPanel:
    """The confirmation page's photo section: what was added, and whether more may be."""

    policy: AttachmentPolicy
    added: list[StoredAttachment]
    open: bool

    @property
    def noun(self) -> str:
        return self.policy.noun

    @property
    def accept(self) -> str:
        return accept_types(self.policy)


def accept_types(policy: AttachmentPolicy) -> str:
    """The file input's `accept`: the policy's types, and phones' HEIC/HEIF where JPEG is taken (converted)."""
    types = set(policy.allowed_types)
    if "image/jpeg" in types:
        types |= {"image/heic", "image/heif", ".heic", ".heif"}
    return ",".join(sorted(types))


def _window_open(transaction: Mapping[str, Any], now: datetime) -> bool:
    created: datetime = transaction["created_at"]
    return now < created + timedelta(seconds=UPLOAD_WINDOW_SECONDS)


async def photo_panel(
    connection: AsyncConnection, offered: Offering, transaction: Mapping[str, Any], *, now: datetime | None = None
) -> PhotoPanel | None:
    """The section for a service that takes photos; None for one that does not."""
    policy = offered.service.attachments
    if policy is None:
        return None
    added = await list_attachments(connection, transaction["id"])
    still_open = _window_open(transaction, now or datetime.now(UTC)) and len(added) < policy.max_count
    return PhotoPanel(policy, added, still_open)


async def add_photos(
    engine: AsyncEngine,
    tenant: TenantContext,
    store: FileStore,
    offered: Offering,
    reference: str,
    files: Sequence[UploadedFile],
    *,
    now: datetime | None = None,
) -> str | None:
    """Store the files with the request; the GOV.UK error message for the upload field if they are refused.

    The files are written to the store before the short transaction that records them, so no database
    connection is held while the store works (`transactions.attachments.stage_files`)."""
    policy = offered.service.attachments
    if policy is None:
        return f"You cannot add files to a request for {offered.service.title.lower()}"
    async with tenant_connection(engine, tenant) as connection:
        transaction = await find_by_reference(connection, reference)
        if transaction is None:
            raise Problem(404, "Page not found", name="not-found")
        already = await count_attachments(connection, transaction["id"])
    if not _window_open(transaction, now or datetime.now(UTC)):
        minutes = UPLOAD_WINDOW_SECONDS // 60
        return f"You can only add {policy.noun}s in the {minutes} minutes after you send your request"
    if not files:
        return f"Select a {policy.noun}"
    try:
        staged = await stage_files(
            store, tenant, offered.service, transaction["reference"], list(files), already=already
        )
        async with discarded_unless_recorded(staged), tenant_connection(engine, tenant) as connection:
            if await find_by_reference(connection, reference, for_update=True) is None:  # additions in turn
                raise Problem(404, "Page not found", name="not-found")
            await record_staged(connection, offered.service, transaction["id"], staged)
    except AttachmentsRefused as refused:
        key, message = next(iter(refused.errors.items()))
        index = int(key.split(".")[1]) if key.startswith("attachments.") else None
        if index is not None and len(files) > 1:
            return f"{Path(files[index].filename).name}: {message}"
        return message
    return None


# -- photos on the tracking page ------------------------------------------------------------------------

TRACKED_PHOTO_SECONDS = 15 * 60


def _photo_signature(secret: SecretStr, schema: str, reference: str, attachment_id: int, expires: int) -> str:
    message = "\x1f".join(("tracked-photo", schema, reference, str(attachment_id), str(expires))).encode()
    return hmac.digest(secret.get_secret_value().encode(), message, hashlib.sha256).hex()[:32]


def tracked_photo_token(
    secret: SecretStr, schema: str, reference: str, attachment_id: int, *, now: float | None = None
) -> str:
    """`<expiry>.<signature>`: the tracking page's proof, for a quarter of an hour, that whoever shows
    the photo found the request with its reference and email (the page itself is a POST's answer)."""
    expires = int((now if now is not None else time.time()) + TRACKED_PHOTO_SECONDS)
    return f"{expires}.{_photo_signature(secret, schema, reference, attachment_id, expires)}"


def tracked_photo_allowed(
    secret: SecretStr, schema: str, reference: str, attachment_id: int, token: str, *, now: float | None = None
) -> bool:
    expires, _, signature = token.partition(".")
    if not expires.isdecimal() or int(expires) < (now if now is not None else time.time()):
        return False
    expected = _photo_signature(secret, schema, reference, attachment_id, int(expires))
    return hmac.compare_digest(signature, expected)
