"""Residents who follow someone else's open request instead of sending the same one again.

A follower is told of the request's public updates and status changes by email, as its reporter is
(`notifications.email.residents`), and can stop with the signed link in every such email. Following
never makes a request and never reveals the reporter or their answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.identity.sessions import TamperedCookie, sign, unsign
from civicshare.transactions.tables import request_followers


@dataclass(frozen=True)
class Follower:
    id: int
    transaction_id: int
    email: str


async def follow(
    connection: AsyncConnection, transaction_id: int, email: str, resident_subject: str | None = None
) -> Follower:
    """Add the email address as a follower of the request (following twice keeps one follower)."""
    email = email.strip()
    inserted = (
        await connection.execute(
            insert(request_followers)
            .values(transaction_id=transaction_id, email=email, resident_subject=resident_subject)
            .on_conflict_do_nothing()
            .returning(request_followers.c.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        inserted = (
            await connection.execute(
                select(request_followers.c.id).where(
                    request_followers.c.transaction_id == transaction_id,
                    func.lower(request_followers.c.email) == email.lower(),
                )
            )
        ).scalar_one()
    return Follower(inserted, transaction_id, email)


async def unfollow(connection: AsyncConnection, follower_id: int) -> bool:
    """Stop telling this follower; False when they had stopped already."""
    gone = await connection.execute(delete(request_followers).where(request_followers.c.id == follower_id))
    return bool(gone.rowcount)


async def followers_of(connection: AsyncConnection, transaction_id: int) -> list[Follower]:
    rows = await connection.execute(
        select(request_followers.c.id, request_followers.c.email)
        .where(request_followers.c.transaction_id == transaction_id)
        .order_by(request_followers.c.id)
    )
    return [Follower(row.id, transaction_id, row.email) for row in rows]


UNFOLLOW_PURPOSE = "unfollow"


def unfollow_token(secret: bytes, council: str, follower_id: int) -> str:
    """What the stop-following link carries: the council and follower, signed (it never expires)."""
    return sign(secret, UNFOLLOW_PURPOSE, f"{council}~{follower_id}")


def follower_of_token(secret: bytes, council: str, token: str) -> int | None:
    """The follower the link names, or None when it is altered or names another council's follower."""
    try:
        value = unsign(secret, UNFOLLOW_PURPOSE, token)
    except TamperedCookie:
        return None
    slug, _, number = value.rpartition("~")
    if slug != council or not number.isdecimal():
        return None
    return int(number)
