"""A council's export archive, and restoring one into this (or another) deployment.

An archive is a zip holding `manifest.json` (format, the council's definition, mode, schema revision,
and for every file its row count and SHA-256) and one JSON Lines file per tenant table, rows in primary
key order; plus the uploaded logo, if any. Exports read every table in one REPEATABLE READ snapshot.
Imports verify every checksum first, then onboard the council from the manifest's definition and load
its rows with their ids in the same transaction, and set each identity sequence past the highest id.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, RowMapping, Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.admin import audit
from civicshare.admin.branding import recognise_logo
from civicshare.admin.councils import council_resource, route_to
from civicshare.admin.errors import invalid
from civicshare.admin.schemas import ExportResource
from civicshare.admin.tables import council_exports
from civicshare.db.metadata import tenant_metadata
from civicshare.db.migrations import tenant_head, tenant_revision
from civicshare.http.problems import Problem
from civicshare.policy.operators import Operator
from civicshare.storage import Area, CouncilFiles, FileStore
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import TenantConflict, TenantNotFound, onboard_tenant
from civicshare.tenancy.tables import tenant_logos, tenants

FORMAT = "civicshare-council-export/1"
MANIFEST = "manifest.json"
BATCH = 1000
LOGO_FILES = {"image/png": "logo.png", "image/svg+xml": "logo.svg"}


class ArchiveRefused(Exception):
    """An archive that cannot be imported: damaged, of another format or revision, or clashing."""


# --- values to JSON and back ------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return lambda value: value
    decoders: dict[type, Callable[[Any], Any]] = {
        datetime: datetime.fromisoformat,
        date: date.fromisoformat,
        time: time.fromisoformat,
        Decimal: Decimal,
        bytes: base64.b64decode,
    }
    decode = decoders.get(python_type)
    if decode is None:
        return lambda value: value
    return lambda value: None if value is None else decode(value)


def _table_file(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


# --- export -----------------------------------------------------------------------------------------


def council_exports_files(store: FileStore, slug: str) -> CouncilFiles:
    """Where a council's archives are kept: `exports/<slug>/` in the file store."""
    return CouncilFiles(store, Area.EXPORTS, slug)


@dataclass
class _HashingWriter:
    target: IO[bytes]
    digest: Any
    rows: int = 0

    def lines(self, rows: Sequence[RowMapping]) -> None:
        for row in rows:
            data = {key: _encode(value) for key, value in row.items()}
            encoded = (json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
            self.digest.update(encoded)
            self.target.write(encoded)
        self.rows += len(rows)


async def _write_tables(connection: AsyncConnection, archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    written = []
    for table in tenant_metadata.sorted_tables:
        name = _table_file(table)
        with archive.open(name, "w", force_zip64=True) as entry:
            writer = _HashingWriter(entry, hashlib.sha256())
            result = await connection.stream(select(table).order_by(*table.primary_key.columns))
            # Encoding and compressing run beside the event loop: a big council's archive takes a while,
            # and the worker keeps serving every other council meanwhile.
            async for rows in result.mappings().partitions(BATCH):
                await asyncio.to_thread(writer.lines, rows)
        written.append({"table": table.name, "file": name, "rows": writer.rows, "sha256": writer.digest.hexdigest()})
    return written


Recorded = Callable[[AsyncConnection, ExportResource], Awaitable[None]]


async def export_council(
    engine: AsyncEngine,
    store: FileStore,
    operator: Operator,
    slug: str,
    *,
    recorded: Recorded | None = None,
    reads: AsyncEngine | None = None,
) -> ExportResource:
    """Write the council's archive (in a scratch file, then into the file store) and record it (audited);
    any status will do. `recorded` runs in the transaction that records it (an export job marks itself
    done there). The archive is stored before its row is written: a row never names a missing file. The
    archive is read through `reads` when given (the read replica, caught up), and recorded through `engine`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{slug}-{stamp}-{secrets.token_hex(3)}.zip"
    files_here = council_exports_files(store, slug)
    stored = False
    with tempfile.TemporaryDirectory(prefix="civicshare-export-") as scratch:
        path = Path(scratch) / name
        try:
            async with (reads or engine).connect() as connection:
                await connection.execution_options(isolation_level="REPEATABLE READ")
                async with connection.begin():
                    council = await council_resource(connection, slug)
                    tenant_id = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == slug))
                    revision = await tenant_revision(connection, council.schema_name)
                    logo = (
                        await connection.execute(
                            select(tenant_logos.c.content_type, tenant_logos.c.content, tenant_logos.c.sha256).where(
                                tenant_logos.c.tenant_id == tenant_id
                            )
                        )
                    ).one_or_none()
                    await route_to(connection, council.schema_name)
                    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                        files = await _write_tables(connection, archive)
                        logo_entry = None
                        if logo is not None:
                            logo_entry = {
                                "file": LOGO_FILES[logo.content_type],
                                "content_type": logo.content_type,
                                "sha256": logo.sha256,
                            }
                            archive.writestr(logo_entry["file"], logo.content)
                        manifest = {
                            "format": FORMAT,
                            "exported_at": datetime.now(UTC).isoformat(),
                            "exported_by": operator.id,
                            "council": {
                                "slug": council.slug,
                                "status": council.status,
                                "mode": council.mode,
                                "definition": council.definition.model_dump(mode="json"),
                            },
                            "schema_revision": revision,
                            "tables": files,
                            "logo": logo_entry,
                        }
                        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
            digest = await asyncio.to_thread(_sha256_of_file, path)
            size = path.stat().st_size
            await files_here.put_file(name, path)
            stored = True
            async with engine.begin() as connection:
                row = (
                    (
                        await connection.execute(
                            council_exports.insert()
                            .values(
                                council=slug,
                                tenant_id=tenant_id,
                                file_name=name,
                                size_bytes=size,
                                sha256=digest,
                                schema_revision=revision or "",
                                row_counts={item["table"]: item["rows"] for item in files},
                                created_by=operator.id,
                            )
                            .returning(council_exports)
                        )
                    )
                    .mappings()
                    .one()
                )
                exported = export_resource(dict(row))
                await audit.record(connection, operator, "council.exported", council=slug, after=exported.model_dump())
                if recorded is not None:
                    await recorded(connection, exported)
            return exported
        except BaseException:
            if stored:
                with contextlib.suppress(Exception):
                    await files_here.delete(name)  # not recorded: no one could ask for it
            raise


def export_resource(row: dict[str, Any]) -> ExportResource:
    return ExportResource(
        id=row["id"],
        council=row["council"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        schema_revision=row["schema_revision"],
        row_counts=row["row_counts"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        download_url=f"/admin/v1/exports/{row['id']}/archive",
    )


# --- import -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    slug: str
    schema: str
    row_counts: dict[str, int]


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as finished:
        for chunk in iter(lambda: finished.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as entry:
        for chunk in iter(lambda: entry.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, after every file it lists has been checked against its SHA-256."""
    try:
        manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArchiveRefused("the archive has no manifest.json: it is not a civicshare council export") from None
    except ValueError as error:
        raise ArchiveRefused(f"manifest.json is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveRefused(f"unknown archive format {manifest.get('format')!r}; expected {FORMAT}")
    listed = [(item["file"], item["sha256"]) for item in manifest["tables"]]
    if manifest.get("logo"):
        listed.append((manifest["logo"]["file"], manifest["logo"]["sha256"]))
    for name, expected in listed:
        try:
            actual = _sha256_of(archive, name)
        except KeyError:
            raise ArchiveRefused(f"{name} is listed in the manifest but missing from the archive") from None
        if actual != expected:
            raise ArchiveRefused(f"{name} is damaged: its SHA-256 is {actual}, the manifest says {expected}")
    return manifest


def _rows(archive: zipfile.ZipFile, name: str, table: Table) -> Iterator[dict[str, Any]]:
    decoders = {column.name: _decoder(column) for column in table.columns}
    with archive.open(name) as entry:
        for line in entry:
            data = json.loads(line)
            unknown = set(data) - set(decoders)
            if unknown:
                raise ArchiveRefused(f"{name}: columns {sorted(unknown)} are not in table {table.name}")
            yield {key: decoders[key](value) for key, value in data.items()}


async def _reset_identities(connection: AsyncConnection, schema: str, table: Table) -> None:
    for column in table.columns:
        if column.identity is None:
            continue
        qualified = f'"{schema}"."{table.name}"'
        # Explicitly qualified (never search_path): the sequence continues past the highest restored id.
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT max("{column.name}") FROM {qualified}), 0) + 1, false)'
            ),
            {"table": qualified, "column": column.name},
        )


async def import_council(
    engine: AsyncEngine, archive_path: Path, operator: Operator, *, slug: str | None = None
) -> Imported:
    """Onboard the archive's council (under `slug` if given) and restore its rows, all in one transaction."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ArchiveRefused(f"{archive_path} cannot be read as a zip archive: {error}") from None
    with archive:
        manifest = read_manifest(archive)
        if manifest["schema_revision"] != tenant_head():
            raise ArchiveRefused(
                f"the archive is at council schema revision {manifest['schema_revision']}, this platform at "
                f"{tenant_head()}: import it into a deployment at its revision, then migrate"
            )
        data = dict(manifest["council"]["definition"])
        if slug is not None:
            data["slug"] = slug
        try:
            definition = TenantDefinition.model_validate(data)
        except ValueError as error:
            raise ArchiveRefused(f"the council definition in the archive is not valid here: {error}") from None
        known_tables = {table.name: table for table in tenant_metadata.sorted_tables}
        strangers = [item["table"] for item in manifest["tables"] if item["table"] not in known_tables]
        if strangers:
            raise ArchiveRefused(f"the archive holds tables this platform does not have: {strangers}")
        counts: dict[str, int] = {}
        async with engine.begin() as connection:
            try:
                tenant_id = await onboard_tenant(connection, definition)
            except (TenantConflict, TenantNotFound) as error:
                raise ArchiveRefused(str(error)) from None
            await connection.execute(
                update(tenants).where(tenants.c.id == tenant_id).values(mode=manifest["council"]["mode"])
            )
            if manifest.get("logo"):
                # Judged as an upload is: an archive made elsewhere may carry an SVG that runs script.
                try:
                    logo = recognise_logo(archive.read(manifest["logo"]["file"]))
                except Problem as refused:
                    reasons = "; ".join(item["message"] for item in refused.extra.get("errors", ())) or refused.title
                    raise ArchiveRefused(f"the archive's logo cannot be used: it {reasons}") from None
                await connection.execute(
                    tenant_logos.insert().values(
                        tenant_id=tenant_id,
                        content_type=logo.content_type,
                        content=logo.content,
                        size_bytes=len(logo.content),
                        sha256=logo.sha256,
                    )
                )
            schema = (await council_resource(connection, definition.slug)).schema_name
            await route_to(connection, schema)
            by_table = {item["table"]: item for item in manifest["tables"]}
            for table in tenant_metadata.sorted_tables:
                item = by_table.get(table.name)
                if item is None:
                    continue
                batch: list[dict[str, Any]] = []
                loaded = 0
                for row in _rows(archive, item["file"], table):
                    batch.append(row)
                    if len(batch) >= BATCH:
                        await connection.execute(table.insert(), batch)
                        loaded, batch = loaded + len(batch), []
                if batch:
                    await connection.execute(table.insert(), batch)
                    loaded += len(batch)
                if loaded != item["rows"]:
                    raise ArchiveRefused(f"{item['file']} holds {loaded} rows; the manifest says {item['rows']}")
                await _reset_identities(connection, schema, table)
                counts[table.name] = loaded
            await audit.record(
                connection,
                operator,
                "council.imported",
                council=definition.slug,
                after={
                    "from_archive": archive_path.name,
                    "exported_as": manifest["council"]["slug"],
                    "exported_at": manifest["exported_at"],
                    "row_counts": counts,
                },
            )
    return Imported(slug=definition.slug, schema=schema, row_counts=counts)


def refused_as_problem(error: ArchiveRefused) -> Exception:
    return invalid([("archive", str(error))], "The archive cannot be imported.")
