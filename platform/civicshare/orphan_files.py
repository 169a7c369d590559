"""The orphan-file sweep: stored files no row names, older than a grace period, are removed.

Files are written before the transaction that records them (`transactions.attachments.stage_files`,
the exports), and removed again when it does not commit; a worker that dies in between leaves a file no
row names. The hourly tidy-up (`civicshare.housekeeping`) removes those, council by council, listing only
that council's folders in the store (`CouncilFiles`), so it never sees another council's files. A file
younger than `orphan_files_grace_hours` is left alone: its row may be about to commit.

What names a file: an attachment row (`attachments/<schema>/`); a council archive, a queue export or a
subject access export row (`exports/<slug>/`, `exports/<slug>/queue/`, `exports/<slug>/subject-access/`).
Photos waiting with a form in progress (`pending-photos/`) are named by no row and tidied by their own
rule (`web.photo_step`), so they are not swept here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin.archive import council_exports_files
from civicshare.admin.tables import council_exports
from civicshare.casework.tables import queue_exports
from civicshare.db.engine import tenant_connection
from civicshare.privacy.subject_access import SUBJECT_ACCESS_FOLDER
from civicshare.privacy.tables import subject_access_requests
from civicshare.services import PlatformServices
from civicshare.staff.queue_exports import QUEUE_FOLDER
from civicshare.storage import CouncilFiles, StoredObject
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import council_attachments
from civicshare.transactions.tables import attachments

BATCH = 1000


def _old(found: Iterable[StoredObject], before: datetime) -> list[str]:
    return [item.key for item in found if item.modified < before]


async def _named(connection: AsyncConnection, column: ColumnElement[str], keys: list[str]) -> set[str]:
    """Which of `keys` the column names (asked in batches: only the old files are candidates)."""
    named: set[str] = set()
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        named |= set(await connection.scalars(select(column).where(column.in_(batch))))
    return named


async def _export_names(connection: AsyncConnection, slug: str, old: list[str]) -> set[str]:
    """The exports area's old names (relative to the council) that an export row names."""
    queue = [name.removeprefix(f"{QUEUE_FOLDER}/") for name in old if name.startswith(f"{QUEUE_FOLDER}/")]
    access = [
        name.removeprefix(f"{SUBJECT_ACCESS_FOLDER}/") for name in old if name.startswith(f"{SUBJECT_ACCESS_FOLDER}/")
    ]
    archives = [name for name in old if "/" not in name]
    named = {f"{QUEUE_FOLDER}/{name}" for name in await _named(connection, queue_exports.c.file_name, queue)}
    named |= {
        f"{SUBJECT_ACCESS_FOLDER}/{name}"
        for name in await _named(connection, subject_access_requests.c.file_name, access)
    }
    for start in range(0, len(archives), BATCH):
        batch = archives[start : start + BATCH]
        named |= set(
            await connection.scalars(
                select(council_exports.c.file_name).where(
                    council_exports.c.council == slug, council_exports.c.file_name.in_(batch)
                )
            )
        )
    return named


async def _remove(files: CouncilFiles, names: Iterable[str]) -> int:
    removed = 0
    for name in names:
        await files.delete(name)
        removed += 1
    return removed


async def sweep_council(services: PlatformServices, council: TenantContext, now: datetime) -> int:
    """Remove this council's stored files that no row names and that are older than the grace period;
    how many were removed."""
    before = now - timedelta(hours=services.settings.orphan_files_grace_hours)
    photos = council_attachments(services.files, council)
    exports = council_exports_files(services.files, council.slug)
    old_photos = _old(await photos.list(), before)
    old_exports = _old(await exports.list(), before)
    if not old_photos and not old_exports:
        return 0
    # Listed first, then the rows read: a file recorded meanwhile is named by the time the rows are read.
    async with tenant_connection(services.database.engine, council) as connection:
        named_photos = await _named(connection, attachments.c.storage_key, old_photos)
        named_exports = await _export_names(connection, council.slug, old_exports)
    removed = await _remove(photos, [name for name in old_photos if name not in named_photos])
    return removed + await _remove(exports, [name for name in old_exports if name not in named_exports])
