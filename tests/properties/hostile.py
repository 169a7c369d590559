"""Inputs that have broken the platform before, sent to every operation they fit, beside the generated ones.

Generated examples find such inputs only by chance within a bounded run; these are sent every time:
text holding a NUL character (PostgreSQL cannot store it), ids past PostgreSQL's bigint, a blank
Idempotency-Key, and bodies that cannot be read: malformed or deeply nested JSON, bytes that are not
UTF-8, a JSON body with NUL characters, a multipart form without a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemathesis.core.parameters import ParameterLocation

from tests.properties.conftest import GeneratedCase, Operation

NUL_TEXT = "text with a NUL \x00 character"
PAST_BIGINT = 2**63  # one more than PostgreSQL's bigint holds
JSON = "application/json"

_BODIES: dict[str, tuple[str, bytes]] = {
    "malformed JSON": (JSON, b'{"answers": '),
    "deeply nested JSON": (JSON, b"[" * 100_000 + b"]" * 100_000),
    "a body that is not UTF-8": (JSON, b'{"answers": {"description": "\xff\xfe"}}'),
    "JSON with NUL characters": (
        JSON,
        json.dumps(
            {"answers": {"description": NUL_TEXT}, "channel": "web", "contact_email": "nul@example.org"}
        ).encode(),
    ),
}


@dataclass(frozen=True)
class HostileCase:
    what: str
    case: GeneratedCase
    headers: Mapping[str, str] = field(default_factory=dict)
    sends: Mapping[str, Any] = field(default_factory=dict)  # a body of its own (`data` or `files`), for requests


def _is_integer(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "integer"


def hostile_cases(operation: Operation, known: Mapping[str, str]) -> Iterator[HostileCase]:
    """The hostile inputs that fit `operation`; path parameters not under test take `known` values (else 1 or "x")."""
    parameters = list(operation.iter_parameters())
    path = {p.name: p.definition.get("schema", {}) for p in parameters if p.location is ParameterLocation.PATH}
    query = [p.name for p in parameters if p.location is ParameterLocation.QUERY]
    headers = {p.name.lower() for p in parameters if p.location is ParameterLocation.HEADER}
    ordinary = {name: known.get(name, 1 if _is_integer(schema) else "x") for name, schema in path.items()}
    integers = {name for name, schema in path.items() if _is_integer(schema)}

    yield HostileCase(
        "text with a NUL character",
        operation.Case(
            path_parameters={name: 1 if name in integers else NUL_TEXT for name in path},
            query=dict.fromkeys(query, NUL_TEXT),
        ),
    )
    if integers:
        beyond = {**ordinary, **dict.fromkeys(integers, PAST_BIGINT)}
        yield HostileCase("an id past PostgreSQL's bigint", operation.Case(path_parameters=beyond))
    if "idempotency-key" in headers:
        yield HostileCase("a blank Idempotency-Key", operation.Case(path_parameters=ordinary), {"Idempotency-Key": ""})
    if operation.method.upper() not in ("POST", "PUT", "PATCH"):
        return
    for what, (media_type, body) in _BODIES.items():
        yield HostileCase(what, operation.Case(path_parameters=ordinary), {"Content-Type": media_type}, {"data": body})
    if any(alternative.media_type.startswith("multipart/") for alternative in operation.body):
        no_file = {"files": {"note": (None, "no file here")}}
        yield HostileCase("a multipart form without its file", operation.Case(path_parameters=ordinary), sends=no_file)
