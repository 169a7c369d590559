"""The admin API's problem responses, and the translation of tenancy exceptions into them."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from civicshare.http.problems import Problem

FieldErrors = Iterable[tuple[str, str]]


def invalid(errors: FieldErrors, detail: str = "Some fields are not valid.") -> Problem:
    listed = [{"field": field, "message": message} for field, message in errors]
    return Problem(422, "Invalid request", detail, name="validation-failed", extra={"errors": listed})


def field_errors(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    return [
        (prefix + ".".join(str(part) for part in item["loc"]), item["msg"].removeprefix("Value error, "))
        for item in error.errors()
    ]


def conflict(detail: str, name: str = "conflict") -> Problem:
    return Problem(409, "Conflict", detail, name=name)


def wrong_state(detail: str) -> Problem:
    return Problem(409, "Council in the wrong state", detail, name="wrong-council-state")


def not_found(what: str, detail: str) -> Problem:
    return Problem(404, f"{what} not found", detail, name=f"{what.lower().replace(' ', '-')}-not-found")


def unauthenticated(detail: str) -> Problem:
    return Problem(
        401,
        "Unauthorised",
        detail,
        name="operator-key-required",
        headers={"www-authenticate": 'Bearer realm="civicshare-admin"'},
    )


def read_only() -> Problem:
    return Problem(
        403,
        "Forbidden",
        "This operator key is read-only; changes need a key with scope 'full'.",
        name="read-only-operator",
    )
