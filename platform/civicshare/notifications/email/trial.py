"""Trial mode: a council on trial emails only its own staff, as GOV.UK Notify's trial mode does."""

from __future__ import annotations

from civicshare.identity.directory import IdentityDirectory
from civicshare.tenancy.context import TenantContext


async def trial_refusal(directory: IdentityDirectory | None, council: TenantContext, address: str) -> str | None:
    """Why this address may not be written to while the council is on trial; None if it may.

    Raises (try again later) when the identity provider cannot say who the council's staff are."""
    if directory is None:
        raise RuntimeError("the identity provider is not available to list the council's staff")
    staff = {member.email.strip().lower() for member in await directory.staff_of(council.slug)}
    if address.strip().lower() in staff:
        return None
    return (
        f"{council.name} is in trial mode: it can email only its own staff until it goes live, "
        "and this address is not one of them"
    )
