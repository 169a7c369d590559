"""Operators signed in through the identity provider reach the admin API beside API keys."""

from __future__ import annotations

import logging

from civicshare.http.problems import Problem
from civicshare.identity.tokens import IdentityUnavailable, InvalidToken, TokenValidator
from civicshare.policy.operators import Operator, OperatorScope

log = logging.getLogger(__name__)


class OperatorTokenVerifier:
    """A bearer JWT carrying the platform-operator role proves a full-scope operator."""

    def __init__(self, validator: TokenValidator) -> None:
        self._validator = validator

    async def __call__(self, token: str) -> Operator | None:
        try:
            principal = await self._validator.principal(token)
        except InvalidToken as refused:
            log.info("admin API refused a bearer token: %s", refused)
            return None
        except IdentityUnavailable as unavailable:
            raise Problem(
                503,
                "Sign-in unavailable",
                "The identity provider cannot be reached; use an operator API key.",
                name="identity-unavailable",
            ) from unavailable
        if not principal.is_operator:
            log.warning("admin API refused %s: not a platform operator", principal.subject)
            return None
        return Operator(
            id=f"identity:{principal.subject}",
            name=principal.name or principal.email or principal.subject,
            scope=OperatorScope.FULL,
            via="jwt",
        )
