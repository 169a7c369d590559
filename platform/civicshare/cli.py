"""The `civicshare` command: serve, demo, migrate and tenants."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from civicshare.admin.commands import TENANT_COMMANDS, admin
from civicshare.app import discover_modules
from civicshare.db.engine import Database, open_database
from civicshare.db.migrations import TenantMigrationOutcome
from civicshare.observability.logs import configure_logging, wants_json
from civicshare.settings import Settings, SettingsError, load_settings
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.files import InvalidDefinitions, load_catalogue
from civicshare.tenancy.fleet import migrate_everything
from civicshare.tenancy.module_checks import check_catalogue_modules
from civicshare.tenancy.records import load_tenant_context, load_tenant_contexts
from civicshare.tenancy.service import TenantConflict, TenantNotFound, WrongTenantState, change_status
from civicshare.tenancy.sync import SyncReport, sync_catalogue

R = TypeVar("R")
console = Console(stderr=True)


class CommandFailed(click.ClickException):
    pass


def settings_from(context: click.Context) -> Settings:
    settings: Settings = context.obj
    return settings


def with_database(function: Callable[..., Coroutine[Any, Any, R]]) -> Callable[..., R]:
    """Run an async command body with the platform's database open, and close it afterwards."""

    @click.pass_context
    @wraps(function)
    def command(context: click.Context, /, *args: Any, **kwargs: Any) -> R:
        settings = settings_from(context)

        async def run() -> R:
            database = open_database(settings)
            try:
                return await function(settings, database, *args, **kwargs)
            except ProgrammingError as error:
                if 'relation "platform.' in str(error):
                    raise CommandFailed(
                        "the database has no control plane yet: run `civicshare migrate` first"
                    ) from None
                raise
            except (OperationalError, OSError) as error:
                raise CommandFailed(f"cannot reach the database: {error}") from None
            finally:
                await database.dispose()

        return asyncio.run(run())

    return command


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """civicshare: many councils, one platform."""
    try:
        context.obj = load_settings()
    except SettingsError as error:
        raise CommandFailed(str(error)) from None
    configure_logging(context.obj.log_level, json_lines=wants_json(context.obj.log_format.value))


# --- migrations -----------------------------------------------------------------------------------


async def _migrate(settings: Settings, database: Database, *, quiet: bool = False) -> list[TenantMigrationOutcome]:
    with Progress(
        TextColumn("[bold]migrating councils"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        disable=quiet,
    ) as progress:
        task = progress.add_task("councils", total=None, last="")

        def started(total: int) -> None:
            progress.update(task, total=total)

        def advanced(outcome: TenantMigrationOutcome) -> None:
            progress.update(task, advance=1, last=f"{outcome.slug}: {outcome.outcome}")

        outcomes = await migrate_everything(
            database, concurrency=settings.migration_concurrency, progress=advanced, on_start=started
        )
    failed = [outcome for outcome in outcomes if outcome.outcome in ("failed", "busy")]
    for outcome in failed:
        console.print(f"[red]{outcome.slug}[/red] {outcome.outcome}: {outcome.detail}")
    if failed:
        raise CommandFailed(f"{len(failed)} of {len(outcomes)} councils were not migrated; run migrate again to resume")
    return outcomes


@main.command()
@with_database
async def migrate(settings: Settings, database: Database) -> None:
    """Migrate the control plane, then every council's schema (resumable)."""
    outcomes = await _migrate(settings, database)
    upgraded = sum(outcome.outcome == "upgraded" for outcome in outcomes)
    console.print(f"control plane current; {len(outcomes)} councils current ({upgraded} upgraded)")


# --- councils -------------------------------------------------------------------------------------


@main.group()
def tenants() -> None:
    """Councils on this platform."""


for _command in TENANT_COMMANDS:  # export, import, offboard, purge
    tenants.add_command(_command)
main.add_command(admin)


def print_sync(report: SyncReport) -> None:
    for kind, changes in (("group", report.groups), ("council", report.tenants)):
        for change in changes:
            console.print(f"{kind} {change.slug}: {change.action}")
    for slug in report.not_in_files:
        console.print(f"council {slug}: on the platform but not in tenants/ (left as it is)")


async def _sync(settings: Settings, database: Database) -> SyncReport:
    registry = discover_modules()
    try:
        catalogue = load_catalogue(settings.tenants_dir)
        check_catalogue_modules(catalogue, registry)
        return await sync_catalogue(database.engine, catalogue)
    except InvalidDefinitions as error:
        raise CommandFailed("nothing was applied; fix these first:\n" + str(error)) from None
    except (TenantConflict, TenantNotFound) as error:
        raise CommandFailed(f"nothing was applied: {error}") from None


@tenants.command("sync")
@with_database
async def tenants_sync(settings: Settings, database: Database) -> None:
    """Onboard new councils from tenants/ and update changed ones (idempotent)."""
    print_sync(await _sync(settings, database))


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@with_database
async def tenants_list(settings: Settings, database: Database, as_json: bool) -> None:
    """List the councils on this platform."""
    async with database.engine.connect() as connection:
        contexts = await load_tenant_contexts(connection)
    if as_json:
        click.echo(json.dumps([{"slug": t.slug, "name": t.name, "status": t.status.value} for t in contexts]))
        return
    table = Table("slug", "name", "GSS code", "status", "mode", "group", "domains")
    for t in contexts:
        table.add_row(t.slug, t.name, t.gss_code, t.status.value, t.mode.value, t.group_slug or "", " ".join(t.domains))
    Console().print(table)


@tenants.command("show")
@click.argument("slug")
@with_database
async def tenants_show(settings: Settings, database: Database, slug: str) -> None:
    """Show one council."""
    async with database.engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    if tenant is None:
        raise CommandFailed(f"no council {slug!r}")
    click.echo(
        json.dumps(
            {
                "slug": tenant.slug,
                "name": tenant.name,
                "gss_code": tenant.gss_code,
                "status": tenant.status.value,
                "mode": tenant.mode.value,
                "schema": tenant.schema,
                "group": tenant.group_slug,
                "reference_prefix": tenant.reference_prefix,
                "domains": list(tenant.domains),
            },
            indent=2,
        )
    )


async def _set_status(database: Database, slug: str, status: TenantStatus) -> None:
    try:
        async with database.engine.begin() as connection:
            await change_status(connection, slug, status)
    except (TenantNotFound, WrongTenantState) as error:
        raise CommandFailed(str(error)) from None
    console.print(f"council {slug}: {status.value}")


@tenants.command("suspend")
@click.argument("slug")
@with_database
async def tenants_suspend(settings: Settings, database: Database, slug: str) -> None:
    """Suspend a council: its residents are told its services are unavailable."""
    await _set_status(database, slug, TenantStatus.SUSPENDED)


@tenants.command("resume")
@click.argument("slug")
@with_database
async def tenants_resume(settings: Settings, database: Database, slug: str) -> None:
    """Resume a suspended council."""
    await _set_status(database, slug, TenantStatus.ACTIVE)


# --- serving --------------------------------------------------------------------------------------


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from civicshare.db.embedded import start_embedded_postgres

    if settings.uses_embedded_database:
        # Started once here; workers connect to it through the URL rather than each starting it.
        server = start_embedded_postgres(settings.data_dir)
        os.environ["CIVICSHARE_DATABASE_URL"] = server.url()
    os.environ["CIVICSHARE_PORT"] = str(port)
    console.print(f"serving on http://{host}:{port}/ - councils at http://<council>.{settings.base_domain}:{port}/")
    uvicorn.run(
        "civicshare.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


@main.command()
@click.option("--host", default=None, help="address to listen on (default from CIVICSHARE_HOST)")
@click.option("--port", type=int, default=None, help="port (default from CIVICSHARE_PORT, 8000)")
@click.option("--workers", type=int, default=None, help="worker processes (default from CIVICSHARE_WORKERS)")
@click.pass_context
def serve(context: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the platform (migrations are a separate step: `civicshare migrate`)."""
    settings = settings_from(context)
    _serve(settings, host or settings.host, port or settings.port, workers or settings.workers)


@main.command()
@click.option("--port", type=int, default=None, help="port (default 8000)")
@click.pass_context
def demo(context: click.Context, port: int | None) -> None:
    """Migrate, onboard the councils in tenants/, load demo data and serve."""
    settings = settings_from(context)

    async def prepare() -> None:
        database = open_database(settings)
        try:
            await _migrate(settings, database, quiet=True)
            print_sync(await _sync(settings, database))
        finally:
            await database.dispose()

    asyncio.run(prepare())
    _serve(settings, settings.host, port or settings.port, settings.workers)
