"""People's accounts, for operators: disabling one stops its owner signing in anywhere and ends every
session of theirs at once (the identity provider's and the platform's), audited."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import Field

from civicshare.admin import audit
from civicshare.admin.errors import invalid, not_found
from civicshare.admin.operators import CHANGES
from civicshare.admin.schemas import Wire
from civicshare.http.problems import Problem
from civicshare.identity.sessions import end_sessions_of
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.policy.operators import Operator
from civicshare.services import PlatformServices
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email


class AccountToDisable(Wire):
    email: str = Field(max_length=254)


class DisabledAccount(Wire):
    email: str
    disabled: bool
    sessions_ended: int


def _identity_unavailable() -> Problem:
    return Problem(
        503,
        "Identity provider unavailable",
        "The identity provider cannot be reached, so the account was not disabled; try again.",
        name="identity-unavailable",
        headers={"retry-after": "30"},
    )


@post(
    "/accounts/disable",
    status_code=200,
    summary="Disable a person's account and end their sessions",
    opt=CHANGES,
)
async def disable_account(
    services: NamedDependency[PlatformServices], operator: NamedDependency[Operator], data: JSONBody[AccountToDisable]
) -> DisabledAccount:
    email = data.email.strip().lower()
    if not valid_email(email):
        raise invalid([("email", EMAIL_MESSAGE)])
    if services.identity is None:
        raise _identity_unavailable()
    try:
        subject = await services.identity.directory.disable_account(email)
    except IdentityUnavailable:
        raise _identity_unavailable() from None
    if subject is None:
        raise not_found("Account", f"There is no account with the email address {email}.")
    async with services.database.engine.begin() as connection:
        ended = await end_sessions_of(connection, subject)
        await audit.record(connection, operator, "account.disabled", after={"email": email, "sessions_ended": ended})
    return DisabledAccount(email=email, disabled=True, sessions_ended=ended)


HANDLERS = [disable_account]
