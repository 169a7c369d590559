"""Each council's retention rules: for every service, how many months after closing its requests keep
their personal data (the council's own period, else the module's declared one) and which answers are
personal. A service no installed module declares keeps the platform default and treats every answer
as personal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules import DEFAULT_RETENTION_MONTHS, ModuleRegistry, PersonalData, personal_answers_of
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import tenants


@dataclass(frozen=True)
class ServiceRule:
    """How one service's personal data is kept at one council."""

    service: str
    title: str
    months: int
    set_by_council: bool
    declared: PersonalData
    personal_answers: frozenset[str] | None  # None: every answer but the map pin (service not installed)

    def is_personal(self, answer: str) -> bool:
        return answer in self.personal_answers if self.personal_answers is not None else True


@dataclass(frozen=True)
class RetentionRules:
    """A council's rules, by service code."""

    by_service: Mapping[str, ServiceRule]
    council_periods: Mapping[str, int]

    def for_service(self, code: str) -> ServiceRule:
        found = self.by_service.get(code)
        if found is not None:
            return found
        months = self.council_periods.get(code, DEFAULT_RETENTION_MONTHS)
        return ServiceRule(code, code, months, code in self.council_periods, PersonalData(), None)


def rules_from(registry: ModuleRegistry, council_periods: Mapping[str, int]) -> RetentionRules:
    rules: dict[str, ServiceRule] = {}
    for module in registry:
        for service in module.services:
            declared = service.personal_data
            own = council_periods.get(service.code)
            rules[service.code] = ServiceRule(
                service=service.code,
                title=service.title,
                months=own if own is not None else declared.retention_months,
                set_by_council=own is not None,
                declared=declared,
                personal_answers=personal_answers_of((step.form for step in service.steps), declared),
            )
    return RetentionRules(rules, dict(council_periods))


async def council_periods(connection: AsyncConnection, council: TenantContext) -> dict[str, int]:
    """The periods the council set (its TOML file or the admin API), by service code."""
    definition: dict[str, Any] | None = await connection.scalar(
        select(tenants.c.definition).where(tenants.c.id == council.id)
    )
    periods = (definition or {}).get("retention_months") or {}
    return {str(code): int(months) for code, months in periods.items()}


async def council_rules(
    connection: AsyncConnection, registry: ModuleRegistry, council: TenantContext
) -> RetentionRules:
    return rules_from(registry, await council_periods(connection, council))
