"""Command-line side of the admin API: the first operator key, council export, import and purge."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy import select

from civicshare.admin import archive, audit, councils, keys, offboarding
from civicshare.admin.schemas import ApiKeyResource
from civicshare.admin.tables import council_exports
from civicshare.db.engine import Database, open_database
from civicshare.http.problems import Problem
from civicshare.identity.announce import announce_councils
from civicshare.policy.operators import COMMAND_LINE, OperatorScope
from civicshare.settings import Settings
from civicshare.storage import file_store

R = TypeVar("R")


def _run(context: click.Context, body: Callable[[Settings, Database], Awaitable[R]]) -> R:
    settings: Settings = context.obj

    async def run() -> R:
        database = open_database(settings)
        try:
            return await body(settings, database)
        except Problem as problem:
            raise click.ClickException(problem.detail or problem.title) from None
        except archive.ArchiveRefused as error:
            raise click.ClickException(f"nothing was imported: {error}") from None
        finally:
            await database.dispose()

    return asyncio.run(run())


@click.group("admin")
def admin() -> None:
    """Operators' tools (the admin API lives at /admin/v1)."""


@admin.command("create-key")
@click.option("--name", required=True, help="who or what the key is for")
@click.option("--scope", type=click.Choice(["read", "full"]), default="read", show_default=True)
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="default: never expires")
@click.pass_context
def create_key(context: click.Context, name: str, scope: str, expires_days: int | None) -> None:
    """Create an operator API key and print it once (the platform keeps only its hash)."""

    async def body(settings: Settings, database: Database) -> str:
        expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
        async with database.engine.begin() as connection:
            created = await keys.create_key(
                connection, name=name, scope=OperatorScope(scope), expires_at=expires, created_by=COMMAND_LINE.id
            )
            shown = ApiKeyResource.model_validate(created.row).model_dump()
            await audit.record(connection, COMMAND_LINE, "api_key.created", after=shown)
        return created.key

    click.echo(_run(context, body))
    click.echo("Store this key now: it is not shown again.", err=True)


@click.command("export")
@click.argument("slug")
@click.pass_context
def export_council(context: click.Context, slug: str) -> None:
    """Export everything a council owns into an archive in the file store; prints where it is."""

    async def body(settings: Settings, database: Database) -> str:
        exported = await archive.export_council(database.engine, file_store(settings), COMMAND_LINE, slug)
        click.echo(f"{exported.size_bytes} bytes, sha256 {exported.sha256}", err=True)
        async with database.engine.connect() as connection:
            name = await connection.scalar(
                select(council_exports.c.file_name).where(council_exports.c.id == exported.id)
            )
        return archive.council_exports_files(file_store(settings), slug).location(str(name))

    click.echo(_run(context, body))


@click.command("import")
@click.argument("archive_path", metavar="ARCHIVE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", default=None, help="onboard the council under another slug")
@click.pass_context
def import_council(context: click.Context, archive_path: Path, slug: str | None) -> None:
    """Restore a council export: checksums verified, council onboarded, rows loaded with their ids."""

    async def body(settings: Settings, database: Database) -> archive.Imported:
        return await archive.import_council(database.engine, archive_path, COMMAND_LINE, slug=slug)

    imported = _run(context, body)
    rows = sum(imported.row_counts.values())
    click.echo(f"council {imported.slug}: imported into schema {imported.schema} ({rows} rows)")


@click.command("offboard")
@click.argument("slug")
@click.pass_context
def offboard_council(context: click.Context, slug: str) -> None:
    """Start offboarding a council: residents are told its services have closed; purge after the grace period."""

    async def body(settings: Settings, database: Database) -> str:
        grace = timedelta(days=settings.offboarding_grace_days)
        async with database.engine.begin() as connection:
            council = await councils.start_offboarding(connection, COMMAND_LINE, slug, grace=grace)
        assert council.offboarding is not None
        await announce_councils(settings, database, [slug])  # its organization leaves the identity provider
        return council.offboarding.purge_after.isoformat()

    click.echo(f"council {slug}: offboarding; can be purged after {_run(context, body)}")


@click.command("purge")
@click.argument("slug")
@click.option("--force", is_flag=True, help="purge before the grace period ends")
@click.pass_context
def purge_council(context: click.Context, slug: str, force: bool) -> None:
    """Drop an offboarding council's schema (needs an export taken since offboarding started)."""

    async def body(settings: Settings, database: Database) -> str:
        async with database.engine.begin() as connection:
            result = await offboarding.purge_council(connection, COMMAND_LINE, slug, force=force)
        return result.schema_dropped

    click.echo(f"council {slug}: schema {_run(context, body)} dropped")


TENANT_COMMANDS = (export_council, import_council, offboard_council, purge_council)
