"""Payments nobody came back from: ask the provider how they went, so no request waits for ever.

A resident may pay and close the tab before the provider sends them back to the return URL, so
`finish_payment` never hears how it went and the transaction stays `awaiting_payment`. Reconciliation
asks the provider about every payment that has waited longer than `older_than`, council by council,
each council's transactions in its own schema and its log lines marked with its slug, and records the
answer exactly as the return URL would (`finish_payment`, which holds no database connection while the
provider is asked). A payment still in progress is left waiting; a provider that does not answer is
tried again next time.

There is no job queue yet: `civicshare payments reconcile` runs it once (an operator's cron or systemd
timer), and each serving worker runs it every `payment_reconcile_minutes` (`reconcile_periodically`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.modules import ModuleRegistry, UnknownService
from civicshare.observability.logs import tenant_slug_var
from civicshare.payments import PaymentFailed, PaymentProvider, PaymentStatus, UnknownPayment
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.records import load_tenant_contexts
from civicshare.transactions.payments import PaymentOutcome, finish_payment
from civicshare.transactions.tables import transactions

logger = logging.getLogger(__name__)
ProviderFor = Callable[[TenantContext], PaymentProvider]
"""Which provider takes a council's money (`PlatformServices.payments_for`)."""
BATCH = 500
"""At most this many payments of a council are asked about in one run; the next run takes the rest."""


@dataclass(frozen=True)
class Reconciled:
    council: str
    reference: str
    outcome: PaymentOutcome | None
    problem: str | None = None

    @property
    def settled(self) -> bool:
        """The provider said how it went (paid, or not)."""
        return self.outcome is not None and self.outcome.payment_status != PaymentStatus.CREATED.value

    def __str__(self) -> str:
        if self.outcome is None:
            return f"{self.council} {self.reference}: not reconciled ({self.problem})"
        return f"{self.council} {self.reference}: payment {self.outcome.payment_status}, now {self.outcome.status}"


async def _waiting(engine: AsyncEngine, tenant: TenantContext, older_than: timedelta) -> list[tuple[str, str]]:
    query = (
        select(transactions.c.reference, transactions.c.service)
        .where(
            transactions.c.payment_status == PaymentStatus.CREATED.value,
            transactions.c.payment_id.is_not(None),
            transactions.c.updated_at < func.now() - older_than,
        )
        .order_by(transactions.c.updated_at)
        .limit(BATCH)
    )
    async with tenant_connection(engine, tenant) as connection:
        return [(reference, service) for reference, service in await connection.execute(query)]


async def reconcile_council(
    engine: AsyncEngine,
    tenant: TenantContext,
    provider: PaymentProvider,
    registry: ModuleRegistry,
    older_than: timedelta,
) -> list[Reconciled]:
    """Ask about each of this council's payments that has waited longer than `older_than`."""
    token = tenant_slug_var.set(tenant.slug)
    try:
        done = []
        for reference, service in await _waiting(engine, tenant, older_than):
            try:
                _, definition = registry.service(service)
                outcome = await finish_payment(engine, tenant, reference, provider, definition.workflow)
            except (PaymentFailed, UnknownPayment, UnknownService) as problem:
                logger.warning("payment not reconciled", extra={"reference": reference, "problem": str(problem)})
                done.append(Reconciled(tenant.slug, reference, None, str(problem) or type(problem).__name__))
                continue
            done.append(Reconciled(tenant.slug, reference, outcome))
            if done[-1].settled:
                logger.info(
                    "payment reconciled",
                    extra={"reference": reference, "payment_status": outcome.payment_status, "status": outcome.status},
                )
        return done
    finally:
        tenant_slug_var.reset(token)


async def reconcile_payments(
    engine: AsyncEngine,
    registry: ModuleRegistry,
    provider_for: ProviderFor,
    older_than: timedelta,
    councils: Sequence[TenantContext] | None = None,
) -> list[Reconciled]:
    """Every council's payments (or those of `councils`), one council after another."""
    if councils is None:
        async with engine.connect() as connection:
            councils = await load_tenant_contexts(connection)
    done = []
    for tenant in councils:
        try:
            done += await reconcile_council(engine, tenant, provider_for(tenant), registry, older_than)
        except Exception:  # one council's trouble (its schema, its account) must not stop the others
            logger.exception("payments not reconciled", extra={"council": tenant.slug})
    return done


async def reconcile_periodically(
    engine: AsyncEngine, registry: ModuleRegistry, provider_for: ProviderFor, every: timedelta
) -> None:
    """Reconcile payments that have waited longer than `every`, every `every`, until cancelled."""
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            await reconcile_payments(engine, registry, provider_for, older_than=every)
        except Exception:  # a database hiccup must not end the loop; the next round tries again
            logger.exception("payment reconciliation failed; trying again next round")
