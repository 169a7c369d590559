"""Turning every exception a handler raises into a problem+json response; never a bare 500 page."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from civicshare.db.outage import outage_problem
from civicshare.http.problems import PROBLEM_JSON, Problem
from civicshare.storage import StorageUnavailable

log = logging.getLogger(__name__)


def _respond(request: Request[Any, Any, Any], problem: Problem) -> Response[bytes]:
    return Response(
        content=problem.encoded(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, Problem)
    return _respond(request, exc)


def field_errors(exc: ValidationException) -> list[dict[str, str]]:
    """Litestar's validation errors as the platform's `{field, message}` (Litestar calls the field `key`)."""
    listed = exc.extra if isinstance(exc.extra, list) else []
    return [
        {"field": str(error.get("key") or error.get("source") or "body"), "message": str(error.get("message", ""))}
        for error in listed
        if isinstance(error, dict)
    ]


def validation_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, ValidationException)
    errors = field_errors(exc)
    problem = Problem(
        400,
        "Bad request",
        exc.detail or "The request is not valid.",
        name="bad-request",
        extra={"errors": errors},
    )
    return _respond(request, problem)


def http_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, HTTPException)
    title = {404: "Not found", 405: "Method not allowed", 401: "Unauthorised", 403: "Forbidden"}.get(
        exc.status_code, "Request failed"
    )
    problem = Problem(exc.status_code, title, exc.detail or None, headers=dict(exc.headers or {}))
    return _respond(request, problem)


STORAGE_RETRY_AFTER_SECONDS = 30


def storage_unavailable() -> Problem:
    return Problem(
        503,
        "Service temporarily unavailable",
        "Files cannot be kept or read just now, so this could not be done. What was sent before is kept; try "
        "again in a minute, and if you were sending files, send them again.",
        name="storage-unavailable",
        headers={"retry-after": str(STORAGE_RETRY_AFTER_SECONDS)},
    )


def known_outage(exc: BaseException) -> Problem | None:
    """The 503 to answer when the database or the file store is out of reach, else None."""
    if isinstance(exc, StorageUnavailable):  # first: obstore's own causes look like socket errors
        return storage_unavailable()
    return outage_problem(exc)


def unexpected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    outage = known_outage(exc)
    if outage is not None:
        log.warning("database or file store unreachable while serving %s %s: %r", request.method, request.url.path, exc)
        return _respond(request, outage)
    log.exception("unexpected error while serving %s %s", request.method, request.url.path)
    problem = Problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The platform could not finish this request. Nothing you sent before it was lost; please try again.",
        name="internal-error",
    )
    return _respond(request, problem)


EXCEPTION_HANDLERS = {
    Problem: problem_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Exception: unexpected_handler,
}
