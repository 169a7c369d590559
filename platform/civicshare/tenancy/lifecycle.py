"""Hooks told about a council's changes of state, so that other parts act on them without tenancy
importing them (the identity provider's organization is the first such part).

A hook is level-triggered: ``council_changed`` receives the council as it now is (active, suspended,
offboarding) and brings its own part in line, idempotently. Calling it twice, or again after a
failure, is always safe, which is what makes ``civicshare tenants sync`` a retry.

Call ``announce_council_changes`` AFTER the transaction that changed the council has committed: a hook
that fails never undoes the council, and the failure is returned (and logged) to be retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from civicshare.tenancy.context import TenantContext

log = logging.getLogger(__name__)


class CouncilLifecycleHook(Protocol):
    name: str

    async def council_changed(self, tenant: TenantContext) -> None:
        """Bring this part in line with the council as it now is. Idempotent."""


@dataclass(frozen=True)
class HookFailure:
    council: str
    hook: str
    reason: str


async def announce_council_changes(
    hooks: Sequence[CouncilLifecycleHook], councils: Iterable[TenantContext]
) -> list[HookFailure]:
    failures: list[HookFailure] = []
    for tenant in councils:
        for hook in hooks:
            try:
                await hook.council_changed(tenant)
            except Exception as error:
                log.warning(
                    "council %s: %s could not follow its change (%s); it is retried by `civicshare tenants sync`",
                    tenant.slug,
                    hook.name,
                    error,
                )
                failures.append(HookFailure(tenant.slug, hook.name, str(error) or type(error).__name__))
    return failures
