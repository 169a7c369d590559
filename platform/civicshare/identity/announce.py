"""Telling the identity provider about councils changed outside a web request (commands, sync)."""

from __future__ import annotations

import logging

from civicshare.db.engine import Database
from civicshare.identity.provider import IdentityNotConfigured, build_identity
from civicshare.settings import Settings
from civicshare.tenancy.lifecycle import CouncilLifecycleHook, HookFailure, announce_council_changes
from civicshare.tenancy.records import load_tenant_contexts

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
