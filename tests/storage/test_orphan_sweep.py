"""The hourly sweep removes a council's stored files that no row names once they are past the grace
period, on the local disk and on S3; files a row names, younger files and other councils' files stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from civicshare.app import build_services
from civicshare.casework.tables import queue_exports
from civicshare.db.engine import Database, tenant_connection
from civicshare.housekeeping import sweep_every_councils_orphan_files
from civicshare.orphan_files import sweep_council
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.staff.queue_exports import queue_export_files
from civicshare.transactions.attachments import council_attachments
from civicshare.transactions.tables import attachments, transactions
from tests.conftest import CouncilFactory
from tests.storage.conftest import new_bucket, storing_at
from tests.support import photo_png, record_transaction, tenant_context_for


@pytest.fixture(params=["local disk", "s3"])
def sweeping(
    request: pytest.FixtureRequest, settings: Settings, database: Database, tmp_path: Path
) -> PlatformServices:
    if request.param == "s3":
        endpoint: str = request.getfixturevalue("s3_endpoint")
        kept = storing_at(settings, endpoint, new_bucket(endpoint))
    else:
        kept = settings.model_copy(update={"storage_url": f"file://{tmp_path / 'files'}"})
    return build_services(kept, database)


async def _keys(services: PlatformServices, prefix: str) -> set[str]:
    return {item.key for item in await services.files.list(prefix)}


async def test_files_no_row_names_are_removed_after_the_grace_period_and_only_the_councils_own(
    sweeping: PlatformServices, database: Database, make_council: CouncilFactory
) -> None:
    services = sweeping
    ours = await tenant_context_for(database, (await make_council()).slug)
    theirs = await tenant_context_for(database, (await make_council()).slug)
    reference = await record_transaction(database, ours.slug, "ada@example.org")

    photos = council_attachments(services.files, ours)
    await photos.put(f"{reference}/named.png", photo_png())
    await photos.put(f"{reference}/orphan.png", photo_png())
    exports = queue_export_files(services.files, ours.slug)
    await exports.put("queue/named.csv", b"reference\n")
    await exports.put("queue/orphan.csv", b"reference\n")
    await council_attachments(services.files, theirs).put("XYZ-2026-000001/orphan.png", photo_png())
    async with tenant_connection(database.engine, ours) as connection:
        transaction_id = await connection.scalar(select(transactions.c.id).where(transactions.c.reference == reference))
        await connection.execute(
            insert(attachments).values(
                transaction_id=transaction_id,
                filename="pothole.png",
                content_type="image/png",
                size_bytes=1,
                sha256="0" * 64,
                storage_key=f"{reference}/named.png",
            )
        )
        await connection.execute(
            insert(queue_exports).values(
                officer_subject="sam", officer_name="Sam", filter="", state="done", file_name="named.csv"
            )
        )
    ours_before = await _keys(services, f"attachments/{ours.schema}/") | await _keys(services, f"exports/{ours.slug}/")
    theirs_before = await _keys(services, f"attachments/{theirs.schema}/")
    now = datetime.now(UTC)

    # An hour on, the orphans are still within the grace period (their rows might be committing).
    assert await sweep_council(services, ours, now + timedelta(hours=1)) == 0
    assert (
        await _keys(services, f"attachments/{ours.schema}/") | await _keys(services, f"exports/{ours.slug}/")
        == ours_before
    )

    # A day and more on, only the files no row names are gone, and only this council's.
    grace = timedelta(hours=services.settings.orphan_files_grace_hours)
    assert await sweep_council(services, ours, now + grace + timedelta(minutes=5)) == 2
    assert await _keys(services, f"attachments/{ours.schema}/") == {f"attachments/{ours.schema}/{reference}/named.png"}
    assert await _keys(services, f"exports/{ours.slug}/") == {f"exports/{ours.slug}/queue/named.csv"}
    assert await _keys(services, f"attachments/{theirs.schema}/") == theirs_before


async def test_the_hourly_tidy_up_sweeps_every_council(
    sweeping: PlatformServices, database: Database, make_council: CouncilFactory
) -> None:
    services = sweeping
    council = await tenant_context_for(database, (await make_council()).slug)
    await council_attachments(services.files, council).put("ABC-2026-000001/orphan.png", photo_png())
    swept = await sweep_every_councils_orphan_files(services, datetime.now(UTC) + timedelta(days=2))
    assert swept[council.slug] == 1
    assert await _keys(services, f"attachments/{council.schema}/") == set()
