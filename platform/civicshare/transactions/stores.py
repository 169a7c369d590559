"""Where `submit` writes a new transaction: inside a transaction its caller holds, or statement by
statement, each committed on its own.

The resident API and Open311 need nothing else in the same transaction, so they write with
`CommittedStatements`, the fastest way: straight on the driver, with the submissions that arrive at the
same moment (`civicshare.transactions.batching`). The website's flow writes with
`InCallersTransaction`, beside its own changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.tenancy.context import TenantContext
from civicshare.transactions.batching import TransactionWriter
from civicshare.transactions.service import (
    NewTransaction,
    create_transaction,
    record_derived,
    record_derived_committed,
)


class TransactionStore(Protocol):
    @property
    def tenant(self) -> TenantContext: ...

    async def create(self, new: NewTransaction) -> dict[str, Any]:
        """The new transaction's row; DuplicateSubmission if its idempotency key was used."""
        ...

    async def record_derived(self, transaction_id: int, derived: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class InCallersTransaction:
    connection: AsyncConnection  # a routed tenant connection (`tenant_connection`)
    tenant: TenantContext

    async def create(self, new: NewTransaction) -> dict[str, Any]:
        return await create_transaction(self.connection, self.tenant, new)

    async def record_derived(self, transaction_id: int, derived: dict[str, Any]) -> None:
        await record_derived(self.connection, transaction_id, derived)


@dataclass(frozen=True)
class CommittedStatements:
    writer: TransactionWriter  # the worker's (`PlatformServices.transaction_writer`)
    tenant: TenantContext

    async def create(self, new: NewTransaction) -> dict[str, Any]:
        return await self.writer.create(self.tenant, new)

    async def record_derived(self, transaction_id: int, derived: dict[str, Any]) -> None:
        await record_derived_committed(self.writer.engine, self.tenant, transaction_id, derived)
