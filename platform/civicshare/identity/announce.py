"""Telling the identity provider about councils and front doors changed outside a web request (commands, sync)."""

from __future__ import annotations

import logging

from civicshare.db.engine import Database
from civicshare.identity.directory import IdentityDirectory, site_origins
from civicshare.identity.provider import IdentityNotConfigured, build_identity
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.settings import Settings
from civicshare.tenancy.lifecycle import CouncilLifecycleHook, HookFailure, announce_council_changes
from civicshare.tenancy.records import load_front_doors, load_tenant_contexts

log = logging.getLogger(__name__)


def lifecycle_hooks(settings: Settings) -> list[CouncilLifecycleHook]:
    """What follows a council's changes (today: its organization in the identity provider)."""
    try:
        return [build_identity(settings).lifecycle_hook(settings)]
    except IdentityNotConfigured as error:
        log.warning("identity provider not configured (%s); organizations not synced", error)
        return []


async def announce_councils(settings: Settings, database: Database, slugs: list[str]) -> list[HookFailure]:
    """After a commit: bring every hook in line with these councils as they now are; returns what failed."""
    hooks = lifecycle_hooks(settings)
    wanted = set(slugs)
    async with database.engine.connect() as connection:
        councils = [t for t in await load_tenant_contexts(connection) if t.slug in wanted]
    failures = await announce_council_changes(hooks, councils)
    for failure in failures:
        log.warning("council %s: %s not in step: %s", failure.council, failure.hook, failure.reason)
    return failures


async def allow_sign_in_at_front_doors(directory: IdentityDirectory, settings: Settings, database: Database) -> bool:
    """Let residents sign in on every front door's hosts (the identity provider keeps allowed hosts); False
    when the identity provider could not be reached, so the caller says to try again."""
    async with database.engine.connect() as connection:
        front_doors = await load_front_doors(connection)
    try:
        for front_door in front_doors:
            await directory.allow_sign_in_from(site_origins(front_door.slug, front_door.domains, settings))
    except IdentityUnavailable as error:
        log.warning("front doors' hosts not allowed to sign in yet: %s", error)
        return False
    return True


async def announce_front_doors(settings: Settings, database: Database) -> bool:
    """After a commit outside a web request: every front door's hosts allowed to sign in (see above)."""
    try:
        directory = build_identity(settings).directory
    except IdentityNotConfigured as error:
        log.warning("identity provider not configured (%s); front doors' hosts not allowed to sign in", error)
        return True
    return await allow_sign_in_at_front_doors(directory, settings, database)
