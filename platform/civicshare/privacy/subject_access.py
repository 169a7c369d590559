"""Subject access: everything a council holds about one person (found by the email they gave or their
account), written by the job worker to one zip file:

- `person.json`: every request with its answers, status history, public updates, internal notes,
  photos, emails sent and erasure records, as stored;
- `summary.html` and `requests.csv`: the same, readable by a person and a spreadsheet;
- `photos/<reference>/<id>-<file name>`: the photos themselves.

The request row (in the council's schema) and its job commit together; the job reads only that
council's schema and writes its progress (requests written of requests found) as it goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import html
import io
import json
import secrets
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.email.tables import email_messages
from civicshare.privacy.retention import person_condition
from civicshare.privacy.tables import personal_data_erasures, subject_access_requests
from civicshare.storage import Area, CouncilFiles, FileMissing, FileStore, OpenedFile, StorageUnavailable
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import council_attachments
from civicshare.transactions.tables import (
    attachments,
    public_updates,
    transaction_events,
    transaction_notes,
    transactions,
)

PROGRESS_EVERY = 20
WORKER_STOPPED = "the job worker stopped while writing the file; ask for the export again"


SUBJECT_ACCESS_FOLDER = "subject-access"  # under the council's exports in the file store


def subject_access_files(store: FileStore, council: str) -> CouncilFiles:
    return CouncilFiles(store, Area.EXPORTS, council)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


async def request_export(
    connection: AsyncConnection, *, email: str | None, subject: str | None, requested_by: str, requested_by_name: str
) -> dict[str, Any]:
    """Record the request in the connection's (the council's) transaction; the caller defers its job."""
    row = (
        (
            await connection.execute(
                subject_access_requests.insert()
                .values(
                    person_email=email.lower() if email else None,
                    person_subject=subject,
                    requested_by=requested_by,
                    requested_by_name=requested_by_name,
                )
                .returning(subject_access_requests)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def read_request(connection: AsyncConnection, request_id: int) -> dict[str, Any] | None:
    row = (
        (await connection.execute(select(subject_access_requests).where(subject_access_requests.c.id == request_id)))
        .mappings()
        .one_or_none()
    )
    return dict(row) if row is not None else None


async def recent_requests(connection: AsyncConnection, limit: int = 20) -> list[dict[str, Any]]:
    query = select(subject_access_requests).order_by(subject_access_requests.c.id.desc()).limit(limit)
    return [dict(row) for row in (await connection.execute(query)).mappings()]


async def _rows(connection: AsyncConnection, table: Any, transaction_id: int) -> list[dict[str, Any]]:
    query = select(table).where(table.c.transaction_id == transaction_id).order_by(table.c.id)
    return [dict(row) for row in (await connection.execute(query)).mappings()]


async def _request_record(connection: AsyncConnection, row: dict[str, Any]) -> dict[str, Any]:
    emails = (
        await connection.execute(
            select(
                email_messages.c.kind,
                email_messages.c.recipient,
                email_messages.c.subject,
                email_messages.c.status,
                email_messages.c.created_at,
            )
            .where(email_messages.c.reference == row["reference"])
            .order_by(email_messages.c.id)
        )
    ).mappings()
    photos = await _rows(connection, attachments, row["id"])
    return {
        **{key: value for key, value in row.items() if key not in ("idempotency_key", "request_fingerprint")},
        "status_history": await _rows(connection, transaction_events, row["id"]),
        "public_updates": await _rows(connection, public_updates, row["id"]),
        "internal_notes": await _rows(connection, transaction_notes, row["id"]),
        "photos": [
            {**photo, "file": f"photos/{row['reference']}/{photo['id']}-{Path(photo['filename']).name}"}
            for photo in photos
        ],
        "emails": [dict(email) for email in emails],
        "erasures": await _rows(connection, personal_data_erasures, row["id"]),
    }


def _summary_html(council: TenantContext, person: dict[str, Any], records: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        return html.escape("" if value is None else str(value))

    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Information {cell(council.name)} holds about you</title></head><body>",
        f"<h1>Information {cell(council.name)} holds about you</h1>",
        f"<p>Email address: {cell(person['email'])}. Account: {cell(person['account'])}. "
        f"Prepared {cell(person['prepared_at'])}. {len(records)} requests.</p>",
    ]
    for record in records:
        parts.append(f"<h2>{cell(record['reference'])}: {cell(record['service'])}</h2><dl>")
        for label, key in (
            ("Sent", "created_at"),
            ("How", "channel"),
            ("Status", "status"),
            ("Closed", "closed_at"),
            ("Email address", "contact_email"),
            ("Phone number", "contact_phone"),
            ("Address", "address"),
            ("Decision", "decision_reason"),
        ):
            parts.append(f"<dt>{label}</dt><dd>{cell(record[key])}</dd>")
        parts.append("</dl><h3>Your answers</h3><dl>")
        for name, value in (record["answers"] or {}).items():
            parts.append(f"<dt>{cell(name)}</dt><dd>{cell(value)}</dd>")
        parts.append("</dl><h3>What happened</h3><ul>")
        for event in record["status_history"]:
            note = f": {cell(event['note'])}" if event["note"] else ""
            parts.append(f"<li>{cell(event['created_at'])} {cell(event['to_status'])}{note}</li>")
        for told in record["public_updates"]:
            parts.append(f"<li>{cell(told['created_at'])} update: {cell(told['body'])}</li>")
        for note in record["internal_notes"]:
            parts.append(f"<li>{cell(note['created_at'])} officer's note: {cell(note['body'])}</li>")
        parts.append("</ul>")
        if record["photos"]:
            parts.append("<h3>Photos</h3><ul>")
            for photo in record["photos"]:
                parts.append(f"<li><a href='{cell(photo['file'])}'>{cell(photo['filename'])}</a></li>")
            parts.append("</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def _requests_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["reference", "service", "channel", "status", "sent", "closed", "email", "phone", "address", "photos"]
    )
    for record in records:
        writer.writerow(
            [
                record["reference"],
                record["service"],
                record["channel"],
                record["status"],
                record["created_at"],
                record["closed_at"],
                record["contact_email"],
                record["contact_phone"],
                record["address"],
                len(record["photos"]),
            ]
        )
    return out.getvalue()


def _write_documents(
    archive: zipfile.ZipFile, council: TenantContext, person: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    document = {"council": {"slug": council.slug, "name": council.name}, "person": person, "requests": records}
    archive.writestr("person.json", json.dumps(_plain(document), indent=2, sort_keys=True))
    archive.writestr("requests.csv", _requests_csv(_plain(records)))
    archive.writestr("summary.html", _summary_html(council, person, records))


async def _write_zip(
    path: Path,
    council: TenantContext,
    person: dict[str, Any],
    records: list[dict[str, Any]],
    photos: CouncilFiles,
    photo_files: list[tuple[str, str]],
) -> None:
    """The zip in a scratch file; photos are read from the file store one at a time."""
    archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
    try:
        await asyncio.to_thread(_write_documents, archive, council, person, records)
        for name, key in photo_files:
            try:
                content = await photos.read(key)
            except FileMissing:
                continue  # erased meanwhile
            await asyncio.to_thread(archive.writestr, name, content)
    finally:
        await asyncio.to_thread(archive.close)


async def _claim(engine: AsyncEngine, council: TenantContext, request_id: int) -> dict[str, Any] | None:
    async with tenant_connection(engine, council) as connection:
        row = (
            (
                await connection.execute(
                    update(subject_access_requests)
                    .where(subject_access_requests.c.id == request_id, subject_access_requests.c.state == "queued")
                    .values(state="running")
                    .returning(subject_access_requests)
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row is not None else None


async def _progress(engine: AsyncEngine, council: TenantContext, request_id: int, **values: Any) -> None:
    async with tenant_connection(engine, council) as connection:
        await connection.execute(
            update(subject_access_requests).where(subject_access_requests.c.id == request_id).values(**values)
        )


async def run_export(engine: AsyncEngine, store: FileStore, council: TenantContext, request_id: int) -> None:
    """Write request `request_id`'s file; it ends done, or failed with why."""
    row = await _claim(engine, council, request_id)
    if row is None:
        return  # ran already
    email, subject = row["person_email"], row["person_subject"]
    try:
        async with tenant_connection(engine, council) as connection:
            found = [
                dict(found)
                for found in (
                    await connection.execute(
                        select(transactions).where(person_condition(email, subject)).order_by(transactions.c.id)
                    )
                ).mappings()
            ]
        await _progress(engine, council, request_id, requests_found=len(found))
        records: list[dict[str, Any]] = []
        for number, transaction in enumerate(found, start=1):
            async with tenant_connection(engine, council) as connection:
                records.append(await _request_record(connection, transaction))
            if number % PROGRESS_EVERY == 0:
                await _progress(engine, council, request_id, requests_written=number)
        name = f"{SUBJECT_ACCESS_FOLDER}/{council.slug}-subject-access-{request_id}-{secrets.token_hex(6)}.zip"
        photo_files = [(photo["file"], photo["storage_key"]) for record in records for photo in record["photos"]]
        person = {"email": email, "account": subject, "prepared_at": datetime.now(UTC).isoformat()}
        with tempfile.TemporaryDirectory(prefix="civicshare-subject-access-") as scratch:
            path = Path(scratch) / "export.zip"
            await _write_zip(path, council, person, records, council_attachments(store, council), photo_files)
            size = path.stat().st_size
            await subject_access_files(store, council.slug).put_file(name, path)  # before the row names it
        values: dict[str, Any] = {
            "state": "done",
            "requests_written": len(records),
            "file_name": name.rsplit("/", 1)[1],
            "size_bytes": size,
        }
    except Exception as error:
        written = isinstance(error, OSError | StorageUnavailable)
        why = f"the file could not be written: {error}" if written else f"the export stopped: {error}"
        values = {"state": "failed", "error": why}
    try:
        await _progress(engine, council, request_id, **values, finished_at=datetime.now(UTC))
    except BaseException:
        if "file_name" in values:  # stored, but no row names it: no one could ask for it
            with contextlib.suppress(Exception):
                await subject_access_files(store, council.slug).delete(name)
        raise


async def mark_abandoned(engine: AsyncEngine, council: TenantContext, request_id: int) -> bool:
    async with tenant_connection(engine, council) as connection:
        result = await connection.execute(
            update(subject_access_requests)
            .where(
                subject_access_requests.c.id == request_id,
                subject_access_requests.c.state.in_(("queued", "running")),
            )
            .values(state="failed", error=WORKER_STOPPED, finished_at=datetime.now(UTC))
        )
    return result.rowcount == 1


async def open_export_file(store: FileStore, council: str, row: dict[str, Any]) -> tuple[str, OpenedFile] | None:
    """A finished export's file name and content, or None while it is not ready (or no longer kept)."""
    if row["state"] != "done" or not row["file_name"]:
        return None
    name = Path(str(row["file_name"])).name
    try:
        return name, await subject_access_files(store, council).open(f"{SUBJECT_ACCESS_FOLDER}/{name}")
    except FileMissing:
        return None
