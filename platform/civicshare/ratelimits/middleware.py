"""Routes declare their kind of traffic: `@get(..., middleware=[rate_limited(Traffic.TRACKING)])`.

The check runs before the route's guards and dependencies (sign-in, CSRF, database), so a refused
request costs almost nothing; its 429 goes through the app's exception handlers (problem+json, or
the council's error page for a browser).
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from civicshare.ratelimits.limits import Traffic, rate_limits_of

ADMITTED_SCOPE_KEY = "civicshare.rate_limit_admitted"
"""Set by a lane ahead of Litestar that already counted the request (`transactions.direct_submit`)."""


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get(ADMITTED_SCOPE_KEY) is not self.traffic:
            rate_limits_of(scope["app"].state).admit(scope, self.traffic)
        await self.app(scope, receive, send)


def rate_limited(traffic: Traffic) -> DefineMiddleware:
    return DefineMiddleware(RateLimitMiddleware, traffic=traffic)
