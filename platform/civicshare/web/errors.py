"""Errors for people: browsers asking for HTML get a page in the council's brand, API clients keep
problem+json. Used by the app's exception handlers and by council resolution (unknown council 404,
suspended council 503), which happens before any route is chosen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Scope

from civicshare.api.errors import known_outage
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY
from civicshare.web.site import STATE_KEY, WebSite

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
JSON_TYPES = ("application/json", "application/problem+json")

ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def prefers_html(accept: str | None) -> bool:
    """True when the client names HTML and ranks it at least as high as JSON (as browsers do).

    `*/*` alone (curl, httpx, most API clients) keeps problem+json.
    """
    if not accept:
        return False
    best_html = best_json = 0.0
    for part in accept.split(","):
        media_type, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media_type = media_type.strip().lower()
        if media_type in HTML_TYPES:
            best_html = max(best_html, quality)
        elif media_type in JSON_TYPES:
            best_json = max(best_json, quality)
    return best_html > 0 and best_html >= best_json


def status_of(exc: Exception) -> int:
    if isinstance(exc, Problem):
        return exc.status
    if isinstance(exc, ValidationException):
        return 400
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 500


def html_for_browsers(handlers: Mapping[type[Exception], ExceptionHandler]) -> dict[type[Exception], ExceptionHandler]:
    """Wrap the API's exception handlers: same answers for API clients, council pages for browsers."""

    def wrap(handler: ExceptionHandler) -> ExceptionHandler:
        def negotiated(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            site: WebSite | None = request.app.state.get(STATE_KEY)
            if site is None or not prefers_html(request.headers.get("accept")):
                return handler(request, exc)
            outage = known_outage(exc) if status_of(exc) == 500 else None  # a Problem is its own answer
            if outage is not None:
                log.warning(
                    "database or file store unreachable while serving %s %s: %r", request.method, request.url.path, exc
                )
                exc = outage
            status = status_of(exc)
            if status >= 500 and outage is None:
                log.exception("unexpected error while serving %s %s", request.method, request.url.path, exc_info=exc)
            tenant: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
            root = root_path(request.scope)
            problem = exc if isinstance(exc, Problem) else None
            headers = dict(problem.headers) if problem else {}
            if isinstance(exc, HTTPException) and exc.headers:
                headers.update(exc.headers)
            headers["cache-control"] = "no-store"
            return Response(
                site.error_page(status, tenant, root, problem),
                status_code=status,
                media_type=MediaType.HTML,
                headers=headers,
            )

        return negotiated

    return {exc_type: wrap(handler) for exc_type, handler in handlers.items()}


class ResolutionErrorPages:
    """HTML pages for the errors council resolution answers itself (given to `TenantResolver`)."""

    def __init__(self, site: WebSite) -> None:
        self.site = site

    def __call__(self, scope: Scope, problem: Problem, tenant: TenantContext | None) -> bytes | None:
        accept = None
        for key, value in scope.get("headers", []):
            if key == b"accept":
                accept = bytes(value).decode("latin-1")
        if not prefers_html(accept):
            return None
        root = root_path(scope)
        return self.site.error_page(problem.status, tenant, root, problem).encode()
