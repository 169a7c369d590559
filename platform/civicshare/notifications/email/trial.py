"""Trial mode: a council on trial emails and texts only its own staff, as GOV.UK Notify's trial mode does."""

from __future__ import annotations

import re

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


def same_phone_number(number: str) -> str:
    """A UK number written one way (07700900982), however it was typed (+44 7700 900982, (07700) 900-982)."""
    digits = re.sub(r"[\s()-]", "", number)
    for international in ("+44", "0044"):
        if digits.startswith(international):
            return "0" + digits[len(international) :]
    return digits


def trial_text_refusal(council: TenantContext, number: str, staff_numbers: tuple[str, ...]) -> str | None:
    """Why this number may not be texted while the council is on trial; None if it may (one of the staff
    numbers the council listed in its settings)."""
    if same_phone_number(number) in {same_phone_number(staff) for staff in staff_numbers}:
        return None
    return (
        f"{council.name} is in trial mode: it can text only its own staff's numbers (listed in its message "
        "settings) until it goes live, and this number is not one of them"
    )
