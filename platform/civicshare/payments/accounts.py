"""Which payment provider takes a council's money: each council has a GOV.UK Pay account of its own.

With `CIVICSHARE_PAYMENT_PROVIDER=govuk_pay`, a council's API key is read from the file named after its
slug in `CIVICSHARE_GOVUK_PAY_KEYS_DIR` (one key per file, as secrets are mounted by orchestrators),
so keys never sit in the councils' TOML files or in the database. A council without a key can still
take requests; its payments fail with a reason that names the missing account, and the resident is
told their request is saved and can be paid later. With the default `sandbox`, every council shares
the sandbox provider (no real money).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

import httpx

from civicshare.payments.govuk_pay import GOVUK_PAY_URL, GovUkPayProvider
from civicshare.payments.port import PaymentFailed, PaymentProvider, PaymentSession, PaymentStatus

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class PaymentAccounts(Protocol):
    def for_council(self, slug: str) -> PaymentProvider: ...

    async def aclose(self) -> None:
        """Let go of connections to the providers (when the worker stops)."""
        ...


class SharedAccount:
    """One provider for every council (the sandbox, or a test's fake)."""

    def __init__(self, provider: PaymentProvider) -> None:
        self.provider = provider

    def for_council(self, slug: str) -> PaymentProvider:
        return self.provider

    async def aclose(self) -> None:
        pass  # the shared provider belongs to whoever made it


class NoAccount:
    """A council with no payment account configured: every payment fails, saying so."""

    name = "No payment account"

    def __init__(self, slug: str) -> None:
        self._reason = f"council {slug!r} has no GOV.UK Pay account configured on this platform"

    async def create_payment(
        self, amount_pence: int, reference: str, description: str, return_url: str
    ) -> PaymentSession:
        raise PaymentFailed(self._reason)

    async def get_status(self, payment_id: str) -> PaymentStatus:
        raise PaymentFailed(self._reason)


class GovUkPayAccounts:
    """Each council's own GOV.UK Pay account, its key read from `<keys_dir>/<slug>` when first needed."""

    def __init__(self, keys_dir: Path, *, base_url: str = GOVUK_PAY_URL, client: httpx.AsyncClient | None = None):
        self._keys_dir = keys_dir
        self._base_url = base_url
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._providers: dict[str, GovUkPayProvider] = {}

    def for_council(self, slug: str) -> PaymentProvider:
        found = self._providers.get(slug)
        if found is not None:
            return found
        key = self._key(slug)
        if key is None:
            return NoAccount(slug)  # not cached: a key added later is picked up without a restart
        provider = self._providers[slug] = GovUkPayProvider(key, base_url=self._base_url, client=self._client)
        return provider

    async def aclose(self) -> None:
        await self._client.aclose()

    def _key(self, slug: str) -> str | None:
        if not _SLUG.match(slug):
            return None
        try:
            key = (self._keys_dir / slug).read_text().strip()
        except OSError:
            return None
        return key or None
