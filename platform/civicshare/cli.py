"""The `civicshare` command: serve, demo, migrate, tenants, report and demo-data."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from civicshare.admin.commands import TENANT_COMMANDS, admin
from civicshare.app import discover_modules
from civicshare.casework.service import Officer
from civicshare.db.embedded import start_embedded_postgres
from civicshare.db.engine import Database, open_database, tenant_connection
from civicshare.db.migrations import TenantMigrationOutcome
from civicshare.db.replica_server import StandbyError, start_standby, stop_standby
from civicshare.http.problems import Problem
from civicshare.identity.announce import announce_councils, announce_front_doors
from civicshare.observability.logs import configure_logging, wants_json
from civicshare.places.boundaries import InvalidBoundary
from civicshare.places.files import InvalidBoundaryFiles, load_boundary_files, read_boundary, sync_boundaries
from civicshare.places.front_door_files import read_front_door, sync_front_doors
from civicshare.places.front_doors import InvalidFrontDoor, set_front_door
from civicshare.places.service import UnknownCouncil, set_boundary
from civicshare.settings import Mode, Settings, SettingsError, load_settings
from civicshare.systems.open311_keys import NAME_MAX_LENGTH, create_client, revoke_client
from civicshare.tenancy.context import TenantContext, TenantStatus
from civicshare.tenancy.files import Catalogue, InvalidDefinitions, load_catalogue
from civicshare.tenancy.fleet import migrate_everything
from civicshare.tenancy.module_checks import check_catalogue_modules
from civicshare.tenancy.records import load_tenant_context, load_tenant_contexts
from civicshare.tenancy.service import TenantConflict, TenantNotFound, WrongTenantState, change_status
from civicshare.tenancy.sync import Difference, SyncReport, catalogue_differences, sync_catalogue

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
    if context.invoked_subcommand in ("demo", "fleet"):
        # The demo and the local fleet are development asked for by name: its workers and job worker inherit the mode.
        os.environ["CIVICSHARE_MODE"] = Mode.DEVELOPMENT.value
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


async def _refuse_changes_to_closed_months(database: Database, catalogue: Catalogue) -> None:
    from civicshare.savings.definition_changes import closed_month_conflicts

    problems = await closed_month_conflicts(database.engine, catalogue.tenants, catalogue.groups)
    if problems:
        raise CommandFailed(
            "nothing was applied; these changes would alter closed months (an operator reopens them first):\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )


async def _sync(settings: Settings, database: Database) -> SyncReport:
    registry = discover_modules()
    try:
        catalogue = load_catalogue(settings.tenants_dir)
        check_catalogue_modules(catalogue, registry)
        await _refuse_changes_to_closed_months(database, catalogue)
        boundaries = load_boundary_files(settings.tenants_dir, [tenant.slug for tenant in catalogue.tenants])
        report = await sync_catalogue(database.engine, catalogue)
        for slug, action in await sync_boundaries(database.engine, boundaries):
            console.print(f"boundary {slug}: {action}")
        refused_front_door: InvalidFrontDoor | None = None
        try:
            for slug, action in await sync_front_doors(database.engine, settings.tenants_dir, registry):
                console.print(f"front door {slug}: {action}")
        except InvalidFrontDoor as error:  # the councils stand; the identity provider still hears of them
            refused_front_door = error
    except InvalidBoundaryFiles as error:
        raise CommandFailed("nothing was applied; fix these boundaries first:\n" + str(error)) from None
    except InvalidDefinitions as error:
        raise CommandFailed("nothing was applied; fix these first:\n" + str(error)) from None
    except (TenantConflict, TenantNotFound) as error:
        raise CommandFailed(f"nothing was applied: {error}") from None
    # Every council in the files, changed or not: the identity provider may have missed an earlier sync.
    if await announce_councils(settings, database, [change.slug for change in report.tenants]):
        print_sync(report)
        raise CommandFailed(
            "the councils are on the platform, but the identity provider could not follow every change; "
            "run `civicshare tenants sync` again when it is reachable"
        )
    if not await announce_front_doors(settings, database):
        print_sync(report)
        raise CommandFailed(
            "the councils and front doors are on the platform, but the identity provider could not be told "
            "where front doors sign residents in; run `civicshare tenants sync` again when it is reachable"
        )
    if refused_front_door is not None:
        print_sync(report)
        raise CommandFailed(f"the councils are applied, but no front door; fix these first:\n{refused_front_door}")
    return report


async def _differences_from_files(settings: Settings, database: Database) -> list[Difference]:
    try:
        catalogue = load_catalogue(settings.tenants_dir)
    except InvalidDefinitions:
        return []  # the files themselves are wrong; _sync said where
    return await catalogue_differences(database.engine, catalogue)


@tenants.command("sync")
@with_database
async def tenants_sync(settings: Settings, database: Database) -> None:
    """Onboard new councils from tenants/ and update changed ones (idempotent)."""
    print_sync(await _sync(settings, database))


@tenants.command("boundary")
@click.argument("slug")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--illustrative", is_flag=True, help="only an illustration, not the official area")
@click.option("--source", default=None, help="where the boundary comes from (e.g. ONS LAD May 2025)")
@with_database
async def tenants_boundary(
    settings: Settings, database: Database, slug: str, geojson: Path, illustrative: bool, source: str | None
) -> None:
    """Set a council's boundary from a GeoJSON file (WGS84), checked first."""
    try:
        boundary = read_boundary(geojson)
        boundary = replace(
            boundary, illustrative=illustrative or boundary.illustrative, source=source or boundary.source
        )
        async with database.engine.begin() as connection:
            changed = await set_boundary(connection, slug, boundary)
    except InvalidBoundary as error:
        cause = error.__cause__
        raise CommandFailed(f"{geojson}: " + (f"cannot be read as GeoJSON: {cause}" if cause else str(error))) from None
    except UnknownCouncil:
        raise CommandFailed(f"no council {slug!r}") from None
    console.print(f"boundary {slug}: {'updated' if changed else 'unchanged'} ({boundary.area_km2:,.1f} km²)")


@tenants.command("front-door")
@click.argument("toml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_database
async def tenants_front_door(settings: Settings, database: Database, toml_file: Path) -> None:
    """Set an area's front door (its name, hosts and who does what) from a TOML file, checked first."""
    try:
        definition = read_front_door(toml_file)
        async with database.engine.begin() as connection:
            changed = await set_front_door(connection, definition, discover_modules())
    except InvalidFrontDoor as error:
        raise CommandFailed(f"{toml_file}: {error}") from None
    console.print(f"front door {definition.slug}: {'updated' if changed else 'unchanged'}")
    if not await announce_front_doors(settings, database):
        raise CommandFailed(
            "the front door is set, but the identity provider could not be told where it signs residents in; "
            "run the command again when it is reachable"
        )


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


async def _set_status(settings: Settings, database: Database, slug: str, status: TenantStatus) -> None:
    try:
        async with database.engine.begin() as connection:
            await change_status(connection, slug, status)
    except (TenantNotFound, WrongTenantState) as error:
        raise CommandFailed(str(error)) from None
    console.print(f"council {slug}: {status.value}")
    if await announce_councils(settings, database, [slug]):
        raise CommandFailed(f"council {slug} is {status.value}; run `civicshare tenants sync` to retry the rest")


@tenants.command("suspend")
@click.argument("slug")
@with_database
async def tenants_suspend(settings: Settings, database: Database, slug: str) -> None:
    """Suspend a council: its residents are told its services are unavailable."""
    await _set_status(settings, database, slug, TenantStatus.SUSPENDED)


@tenants.command("resume")
@click.argument("slug")
@with_database
async def tenants_resume(settings: Settings, database: Database, slug: str) -> None:
    """Resume a suspended council."""
    await _set_status(settings, database, slug, TenantStatus.ACTIVE)


@tenants.command("add-staff")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice(["council-staff", "council-admin"]), default="council-staff")
@with_database
async def tenants_add_staff(settings: Settings, database: Database, slug: str, email: str, role: str) -> None:
    """Add a member of staff to a council (their account is created if new) with a council role."""
    from civicshare.identity.directory import UnknownCouncil
    from civicshare.identity.principal import Role
    from civicshare.identity.provider import IdentityNotConfigured, build_identity
    from civicshare.identity.tokens import IdentityUnavailable

    async with database.engine.connect() as connection:
        if await load_tenant_context(connection, slug) is None:
            raise CommandFailed(f"no council {slug!r}")
    try:
        subject = await build_identity(settings).directory.add_staff(slug, email, Role(role))
    except (IdentityNotConfigured, IdentityUnavailable, UnknownCouncil) as error:
        raise CommandFailed(str(error)) from None
    console.print(f"{email} ({subject}) is {role} at {slug}")


# --- the development Keycloak ---------------------------------------------------------------------


@tenants.command("open311-key")
@click.argument("slug")
@click.argument("name")
@with_database
async def tenants_open311_key(settings: Settings, database: Database, slug: str, name: str) -> None:
    """Issue an Open311 API key to an application (FixMyStreet) at a council; printed once."""
    if not name.strip() or len(name.strip()) > NAME_MAX_LENGTH:
        raise CommandFailed(f"give the application's name, 1 to {NAME_MAX_LENGTH} characters")
    tenant = await _council(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        created = await create_client(connection, Officer("cli", "Platform operator (command line)"), name.strip())
    console.print(f"Open311 client {created.client.id} ({created.client.name}) at {slug}; the key is shown once:")
    click.echo(created.key)


@tenants.command("open311-revoke")
@click.argument("slug")
@click.argument("client_id", type=int)
@with_database
async def tenants_open311_revoke(settings: Settings, database: Database, slug: str, client_id: int) -> None:
    """Revoke an Open311 application's key at a council, at once."""
    tenant = await _council(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        revoked = await revoke_client(connection, Officer("cli", "Platform operator (command line)"), client_id)
    if revoked is None:
        raise CommandFailed(f"no Open311 client {client_id} at {slug!r}")
    console.print(f"Open311 client {client_id} ({revoked.name}) at {slug} is revoked")


@main.group()
def keycloak() -> None:
    """The development Keycloak (infra/keycloak), run without containers, state in var/keycloak."""


@keycloak.command("up")
def keycloak_up() -> None:
    """Start Keycloak (or show the running one) with the civicshare realm applied."""
    from civicshare.identity.keycloak_server import KeycloakError, KeycloakServer

    try:
        info = KeycloakServer().up()
    except KeycloakError as error:
        raise CommandFailed(str(error)) from None
    console.print(f"Keycloak at {info.base_url} (realm {info.realm}, pid {info.pid}, ready in {info.started_seconds}s)")
    console.print("use it: CIVICSHARE_IDENTITY_PROVIDER=keycloak civicshare serve")


@keycloak.command("down")
def keycloak_down() -> None:
    """Stop the development Keycloak."""
    from civicshare.identity.keycloak_server import KeycloakServer

    console.print("stopped" if KeycloakServer().down() else "was not running")


@keycloak.command("status")
def keycloak_status() -> None:
    """Show whether the development Keycloak runs, and where."""
    from civicshare.identity.keycloak_server import KeycloakServer

    info = KeycloakServer().status()
    if info is None:
        raise CommandFailed("Keycloak is not running; start it with `civicshare keycloak up`")
    console.print(f"Keycloak at {info.base_url} (realm {info.realm}, pid {info.pid}); issuer {info.issuer}")


# --- Citus readiness ------------------------------------------------------------------------------


@main.group()
def citus() -> None:
    """Whether the councils' schemas can move onto a Citus cluster (infra/citus/README.md)."""


@citus.command("check")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@with_database
async def citus_check(settings: Settings, database: Database, as_json: bool) -> None:
    """List every council schema's breach of Citus schema-based sharding's rules (exit 1 if any)."""
    from civicshare.db.citus import DEPLOYMENT_SETTINGS, council_schemas, violations

    async with database.engine.connect() as connection:
        schemas = await council_schemas(connection)
        found = await violations(connection, schemas)
    if as_json:
        report = {"schemas": len(schemas), "violations": [asdict(v) for v in found], "requires": DEPLOYMENT_SETTINGS}
        click.echo(json.dumps(report, indent=2))
    elif found:
        table = Table("schema", "rule", "object", "detail")
        for violation in found:
            table.add_row(violation.schema, violation.rule, violation.object, violation.detail)
        Console().print(table)
    if found:
        broken = len({violation.schema for violation in found})
        raise CommandFailed(f"{len(found)} violations in {broken} of {len(schemas)} council schemas")
    if not as_json:
        console.print(
            f"all {len(schemas)} council schemas can be distributed with citus_schema_distribute, "
            "on a deployment that sets:"
        )
        for setting in DEPLOYMENT_SETTINGS:
            console.print(f"- {setting}")


# --- read replica ---------------------------------------------------------------------------------


@main.group()
def replica() -> None:
    """A streaming read replica of the database, made with the embedded PostgreSQL's binaries."""


def _primary_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_direct_url or settings.database_url
    # The standby follows the embedded server, so it is left running when this command ends.
    return start_embedded_postgres(settings.data_dir, stop_at_exit=False).url("postgres")


@replica.command("start")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), help="default: <data_dir>/replica")
@click.pass_context
def replica_start(context: click.Context, directory: Path | None) -> None:
    """Copy the database with pg_basebackup and start it as a streaming standby on a free loopback port
    (or start the standby made before); prints the CIVICSHARE_DATABASE_REPLICA_URL to set."""
    settings = settings_from(context)
    try:
        standby = start_standby(_primary_url(settings), directory or settings.data_dir / "replica")
    except StandbyError as error:
        raise CommandFailed(str(error)) from None
    console.print(f"standby streaming in {standby.directory} on 127.0.0.1:{standby.port}")
    click.echo(f"CIVICSHARE_DATABASE_REPLICA_URL={standby.url}")


@replica.command("stop")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), help="default: <data_dir>/replica")
@click.option("--remove", is_flag=True, help="delete the standby's data as well")
@click.pass_context
def replica_stop(context: click.Context, directory: Path | None, remove: bool) -> None:
    """Stop the standby (and delete it with --remove)."""
    stop_standby(directory or settings_from(context).data_dir / "replica", remove=remove)


# --- savings reports and demo data ----------------------------------------------------------------


@main.group()
def report() -> None:
    """Savings reports, offline contact imports and rollups."""


async def _council(database: Database, slug: str) -> TenantContext:
    async with database.engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    if tenant is None:
        raise CommandFailed(f"no council {slug!r}")
    return tenant


@report.command("savings")
@click.option("--tenant", "slug", required=True, help="the council's slug")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="first day (default: 12 months back)")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="last day (default: today)")
@click.option("--format", "output_format", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--group-by", default="month", show_default=True, help="month, service, channel (JSON only)")
@with_database
async def report_savings(
    settings: Settings,
    database: Database,
    slug: str,
    period_from: Any,
    period_to: Any,
    output_format: str,
    group_by: str,
) -> None:
    """A council's savings report as JSON or CSV (CSV has a row per month, service and channel)."""
    from civicshare.app import build_services
    from civicshare.savings.csv_export import report_to_csv
    from civicshare.savings.reporting import council_savings
    from civicshare.staff.savings_routes import CSV_GROUPING, groupings, report_period

    tenant = await _council(database, slug)
    try:
        period = report_period(period_from.date() if period_from else None, period_to.date() if period_to else None)
        grouping = CSV_GROUPING if output_format == "csv" else groupings(group_by)
    except Problem as problem:
        raise CommandFailed(problem.detail or problem.title) from None
    flags = build_services(settings, database).service_flags
    async with tenant_connection(database.engine, tenant) as connection:
        savings = await council_savings(connection, tenant, flags, period, group_by=grouping)
    if output_format == "csv":
        click.echo(report_to_csv(savings.report), nl=False)
    else:
        click.echo(savings.model_dump_json(indent=2))


@report.command("rebuild-rollups")
@click.option("--tenant", "slug", required=True, help="the council's slug")
@with_database
async def report_rebuild_rollups(settings: Settings, database: Database, slug: str) -> None:
    """Recompute a council's daily rollups from its raw transactions, saying what was wrong."""
    from civicshare.savings.service import rebuild_rollups

    tenant = await _council(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        outcome = await rebuild_rollups(connection, tenant)
    for wrong in outcome.mismatches[:20]:
        console.print(
            f"{wrong.day} {wrong.service} {wrong.channel}{' (test)' if wrong.is_test else ''}: "
            f"stored {wrong.stored}, transactions say {wrong.rebuilt}"
        )
    console.print(
        f"{slug}: {outcome.rows} rollup rows rebuilt; {len(outcome.mismatches)} differed from the stored ones"
    )


@report.command("import-offline")
@click.option("--tenant", "slug", required=True, help="the council's slug")
@click.option("--partial", is_flag=True, help="store the good rows of a file with bad rows, and list those skipped")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_database
async def report_import_offline(
    settings: Settings, database: Database, slug: str, partial: bool, csv_file: Path
) -> None:
    """Import offline contact counts (date, service, channel, count); re-importing replaces, never adds.

    A file with a bad row (an unknown service, a future date...) is imported only with --partial."""
    from civicshare.app import build_services
    from civicshare.savings.offline_import import parse_offline_contacts
    from civicshare.savings.periods import ClosedMonthError
    from civicshare.savings.service import store_offline_import, uk_day

    tenant = await _council(database, slug)
    known_services = set(build_services(settings, database).service_flags.service_flags(tenant.slug))
    parsed = parse_offline_contacts(
        await asyncio.to_thread(csv_file.read_text, encoding="utf-8"),
        known_services=known_services,
        today=uk_day(datetime.now(UTC)),
    )
    for row in parsed.rejected:
        console.print(f"line {row.line}: " + "; ".join(row.reasons))
    if parsed.rejected and (not partial or not parsed.accepted):
        raise CommandFailed(
            f"{len(parsed.rejected)} rows cannot be imported, so nothing was imported."
            " Fix them, or use --partial to import the other rows."
        )
    try:
        async with tenant_connection(database.engine, tenant) as connection:
            stored = await store_offline_import(connection, parsed, source=csv_file.name, imported_by="civicshare cli")
    except ClosedMonthError as error:
        raise CommandFailed(str(error)) from None
    console.print(
        f"{slug}: {stored.accepted} rows accepted ({stored.changed} new or changed), {stored.rejected} skipped"
    )


@main.group("demo-data")
def demo_data() -> None:
    """Demo transactions and offline contacts for the councils on this platform."""


@demo_data.command("load")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--months", type=click.IntRange(1, 60), default=15, show_default=True)
@click.option("--tenant", "slugs", multiple=True, help="only these councils (default: every council)")
@with_database
async def demo_data_load(
    settings: Settings, database: Database, seed: int, months: int, slugs: tuple[str, ...]
) -> None:
    """Load deterministic demo data; councils that already have data are skipped."""
    from civicshare.savings.demo_loader import describe, load_demo_data

    async with database.engine.connect() as connection:
        councils = await load_tenant_contexts(connection)
    if slugs:
        councils = [council for council in councils if council.slug in slugs]
    for outcome in await load_demo_data(database, councils, seed=seed, months=months, registry=discover_modules()):
        console.print(describe(outcome))


# --- payments -------------------------------------------------------------------------------------


@main.group()
def payments() -> None:
    """Payments taken through the payment providers."""


@payments.command("reconcile")
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="ask about payments that have waited this many minutes or more",
)
@with_database
async def payments_reconcile(settings: Settings, database: Database, older_than: int) -> None:
    """Ask the provider how payments nobody came back from went, council by council, and record it."""
    from civicshare.services import PlatformServices
    from civicshare.tenancy.directory import TenantDirectory
    from civicshare.transactions.reconciliation import reconcile_payments

    services = PlatformServices(
        settings=settings,
        database=database,
        directory=TenantDirectory(database.lookups, max_age_seconds=settings.tenant_cache_seconds),
        registry=discover_modules(),
    )
    try:
        done = await reconcile_payments(
            database.engine, services.registry, services.payments_for, timedelta(minutes=older_than)
        )
    finally:
        await services.payment_accounts.aclose()
    for reconciled in done:
        console.print(str(reconciled), markup=False)
    settled = sum(
        reconciled.outcome is not None and reconciled.outcome.payment_status != "created" for reconciled in done
    )
    console.print(f"{len(done)} waiting payments asked about; {settled} settled")


# --- serving --------------------------------------------------------------------------------------


def _serve(settings: Settings, host: str, port: int, workers: int, job_workers: int = 0) -> None:
    from civicshare.db.embedded import start_embedded_postgres
    from civicshare.serving import AddressInUse, serve

    server = None
    if settings.uses_embedded_database:
        # Started once here; workers connect to it through the URL rather than each starting it. The
        # supervisor restarts it if it dies, and it is let go of below however serving ends.
        server = start_embedded_postgres(settings.data_dir, stop_at_exit=False)
        os.environ["CIVICSHARE_DATABASE_URL"] = server.url()
    os.environ["CIVICSHARE_PORT"] = str(port)
    console.print(f"serving on http://{host}:{port}/ - councils at http://<council>.{settings.base_domain}:{port}/")
    mail_sink = None
    if settings.mail_capture_dir is not None:
        from civicshare.notifications.email.capture import start_mail_sink

        mail_sink = start_mail_sink(settings.mail_capture_dir, settings.smtp_port)
        console.print(
            f"email is caught on smtp://127.0.0.1:{mail_sink.port} - read it at http://{host}:{port}/demo-mail"
        )
    try:
        code = serve(host, port, workers, server, job_workers)
    except AddressInUse as error:
        raise click.ClickException(str(error)) from None
    finally:
        if server is not None:
            server.release()
        if mail_sink is not None:
            mail_sink.stop()
    if code:
        raise SystemExit(code)


@main.command()
@click.option("--host", default=None, help="address to listen on (default from CIVICSHARE_HOST)")
@click.option("--port", type=int, default=None, help="port (default from CIVICSHARE_PORT, 8000)")
@click.option("--workers", type=int, default=None, help="worker processes (default from CIVICSHARE_WORKERS)")
@click.option(
    "--with-jobs",
    is_flag=True,
    help="each worker also runs the job queue in-process (small deployments; CIVICSHARE_WORKER_IN_PROCESS)",
)
@click.pass_context
def serve(context: click.Context, host: str | None, port: int | None, workers: int | None, with_jobs: bool) -> None:
    """Serve the platform (migrations are a separate step: `civicshare migrate`; jobs: `civicshare worker`)."""
    settings = settings_from(context)
    if with_jobs:
        os.environ["CIVICSHARE_WORKER_IN_PROCESS"] = "true"
    _serve(settings, host or settings.host, port or settings.port, workers or settings.workers)


@main.command()
@click.option("--concurrency", type=click.IntRange(1, 256), default=None, help="jobs run at once (default 8)")
@click.option(
    "--processes",
    type=click.IntRange(0, 64),
    default=None,
    help="processes delivering events (default CIVICSHARE_WORKER_PROCESSES; 0: one per CPU)",
)
@click.pass_context
def worker(context: click.Context, concurrency: int | None, processes: int | None) -> None:
    """Run the job queue: deliver each council's outbox events to email, webhooks and other subscribers."""
    settings = settings_from(context)
    if concurrency is not None:
        os.environ["CIVICSHARE_WORKER_CONCURRENCY"] = str(concurrency)
    if settings.uses_embedded_database:
        from civicshare.db.embedded import start_embedded_postgres

        server = start_embedded_postgres(settings.data_dir, stop_at_exit=False)
        os.environ["CIVICSHARE_DATABASE_URL"] = server.url()
    from civicshare.delivery_processes import processes_wanted
    from civicshare.worker import run_job_worker_command

    count = processes_wanted(settings.worker_processes if processes is None else processes)
    console.print(f"job worker running ({count} process{'es' if count > 1 else ''}); Ctrl+C to stop")
    run_job_worker_command(processes=count)


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
            try:
                print_sync(await _sync(settings, database))
            except CommandFailed as refused:
                # Operators may have changed councils through the admin API since: serve what is on the
                # platform, and say what no longer matches the files.
                console.print(f"tenants/ not applied, serving the councils as they are on the platform: {refused}")
                for difference in await _differences_from_files(settings, database):
                    console.print(str(difference), markup=False)
            from civicshare.savings.demo_loader import describe, load_demo_data

            async with database.engine.connect() as connection:
                councils = await load_tenant_contexts(connection)
            for outcome in await load_demo_data(database, councils, registry=discover_modules()):
                console.print(describe(outcome))
        finally:
            await database.dispose()

    asyncio.run(prepare())
    # No email leaves the demo: a local SMTP sink catches it, and /demo-mail shows it.
    capture_dir = settings.mail_capture_dir or settings.data_dir / "demo-mail"
    settings = settings.model_copy(update={"mail_capture_dir": capture_dir})
    _serve(settings, settings.host, port or settings.port, settings.workers, job_workers=1)


@main.command()
@click.option("--port", type=int, default=None, help="the first node's port (default 8000); the next node's is +1")
@click.option("--nodes", type=click.IntRange(1, 16), default=2, show_default=True, help="app nodes")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True, help="worker processes per node")
@click.option("--replica/--no-replica", default=True, show_default=True, help="a streaming read replica for reports")
@click.option(
    "--object-store/--no-object-store",
    default=True,
    show_default=True,
    help="files in an S3-compatible server on loopback (moto) instead of the data dir",
)
@click.pass_context
def fleet(
    context: click.Context, port: int | None, nodes: int, workers: int, replica: bool, object_store: bool
) -> None:
    """Run a fleet on this machine: PostgreSQL, PgBouncer, a read replica, an S3-compatible object store, app
    nodes and a job worker (Ctrl+C stops all)."""
    import signal
    import threading

    from civicshare.fleet.database import PgBouncerMissing
    from civicshare.fleet.local import local_fleet
    from civicshare.fleet.parts import Part, running_fleet
    from civicshare.fleet.services import ObjectStore, ReadReplica

    settings = settings_from(context)
    if not settings.uses_embedded_database:
        raise CommandFailed("the local fleet runs on the embedded PostgreSQL: unset CIVICSHARE_DATABASE_URL")
    stopping = threading.Event()
    first_port = port or settings.port
    services: list[Part] = []
    if replica:
        services.append(ReadReplica(settings.data_dir / "fleet-replica"))
    if object_store:
        services.append(ObjectStore(first_port + 90, settings.data_dir / "fleet-logs"))
    parts = local_fleet(
        settings.data_dir, first_port=first_port, nodes=nodes, workers_per_node=workers, services=services
    )
    console.print(f"starting a fleet of {len(parts)} parts; Ctrl+C stops them all")
    try:
        with running_fleet(parts) as running:
            table = Table("part", "where", title="civicshare fleet")
            for name, where in running.rows():
                table.add_row(name, where)
            Console().print(table)
            console.print(f"councils at http://<council>.{settings.base_domain}:{port or settings.port}/ (and +1...)")
            # Until here Ctrl+C interrupts the start-up (and what had started is stopped); now it stops all.
            for stop_signal in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop_signal, lambda signum, frame: stopping.set())
            while not stopping.wait(1.0):
                if dead := running.stopped():
                    console.print(f"[red]{', '.join(dead)} stopped[/red]; stopping the fleet")
                    break
            console.print("stopping the fleet...")
    except (PgBouncerMissing, RuntimeError) as error:
        raise CommandFailed(str(error)) from None
    console.print("fleet stopped")
