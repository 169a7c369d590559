"""Requests a resident made without signing in join their account once the identity provider has verified
that the account's email is theirs (`email_verified`): only anonymous requests sent with that same email,
never another account's, and never on an unverified email (anyone can type someone else's address)."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.tables import transactions


async def claim_anonymous_requests(connection: AsyncConnection, subject: str, verified_email: str) -> int:
    """Attach the council's anonymous requests sent with `verified_email` to the account; how many joined."""
    result = await connection.execute(
        update(transactions)
        .where(
            transactions.c.resident_subject.is_(None),
            transactions.c.submitter_kind == "anonymous",
            func.lower(transactions.c.contact_email) == verified_email.strip().lower(),
        )
        .values(resident_subject=subject)
    )
    return int(result.rowcount or 0)
