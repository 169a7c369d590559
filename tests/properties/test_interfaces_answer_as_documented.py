"""Whatever a client sends, each interface answers as its OpenAPI document says, and never with a 5xx.

schemathesis generates requests for every documented operation from the document itself, valid ones and
ones that break it, and sends them over HTTP to the served platform as the interface's callers would
(residents, council staff and admins, operators, Open311 apps). Each answer must be documented: its
status, its content type and its body (errors included), and no answer may be a server error.
Examples are bounded and derandomized, so a run is reproducible and stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from schemathesis import BaseSchema
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.properties.conftest import GeneratedCase, Headers
from tests.properties.hostile import hostile_cases
from tests.support import ServedPlatform

AS_DOCUMENTED = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BOUNDED = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


def every_operation_answers_as_documented(
    schema: BaseSchema,
    base_url: str,
    headers: Callable[[GeneratedCase], Headers],
    known: Mapping[str, str] | None = None,
) -> None:
    """Each operation's examples (the document's, then bounded generated ones, valid and not, then the hostile
    inputs that fit it); fails naming every operation that broke its document and with what."""

    def send(case: GeneratedCase, extra_headers: Mapping[str, str], sends: Mapping[str, Any]) -> None:
        sent = {**headers(case), **extra_headers}
        case.call_and_validate(base_url=base_url, headers=sent, checks=AS_DOCUMENTED, timeout=30, **sends)

    def answered(case: GeneratedCase) -> None:
        send(case, {}, {})

    broken = []
    # The tests schemathesis' pytest integration runs for each operation, run here: its own `from_fixture(...)
    # .parametrize()` renames pytest's node ids, which pytest 9.2 no longer allows.
    for found in get_all_tests(schema=schema, test_func=answered, settings=BOUNDED, given_kwargs=None):
        if not isinstance(found, Ok):
            broken.append(f"an operation the document does not describe well: {found.err()}")
            continue
        operation, examples = found.ok()
        try:
            examples()
        except (Exception, BaseExceptionGroup) as failure:
            broken.append(f"{operation.label}: {failure}")
        for hostile in hostile_cases(operation, known or {}):
            try:
                send(hostile.case, hostile.headers, hostile.sends)
            except (Exception, BaseExceptionGroup) as failure:
                broken.append(f"{operation.label} with {hostile.what}: {failure}")
    assert not broken, "\n\n".join(broken)


def test_the_resident_api(platform_document: OpenApiSchema, council_address: str, resident: Headers) -> None:
    """Anonymous residents, and a signed-in one for their own requests."""
    every_operation_answers_as_documented(
        platform_document.include(tag_regex="^(council|services|transactions|identity)$"),
        council_address,
        lambda case: resident if "identity" in (case.operation.tags or ()) else {},
        known={"code": "report-pothole"},
    )


def test_the_staff_api(platform_document: OpenApiSchema, council_address: str, staff: Headers) -> None:
    every_operation_answers_as_documented(platform_document.include(tag="staff"), council_address, lambda _: staff)


def test_the_savings_api_of_a_council_admin(
    platform_document: OpenApiSchema, council_address: str, council_admin: Headers
) -> None:
    every_operation_answers_as_documented(
        platform_document.include(tag="savings"), council_address, lambda _: council_admin
    )


def test_the_system_api_and_its_keys(
    platform_document: OpenApiSchema, council_address: str, system_key: Headers, council_admin: Headers
) -> None:
    """A council's system with a write key, and its administrators managing the keys."""
    every_operation_answers_as_documented(
        platform_document.include(tag_regex="^(system|system keys)$"),
        council_address,
        lambda case: council_admin if "system keys" in (case.operation.tags or ()) else system_key,
    )


def test_the_admin_api(admin_document: OpenApiSchema, served: ServedPlatform, operator_key: Headers) -> None:
    every_operation_answers_as_documented(admin_document, served.url, lambda _: operator_key)


def test_the_operators_savings_api(platform_document: OpenApiSchema, served: ServedPlatform, operator: Headers) -> None:
    every_operation_answers_as_documented(
        platform_document.include(tag="savings (operators)"), served.url, lambda _: operator
    )


def test_open311(platform_document: OpenApiSchema, council_address: str) -> None:
    every_operation_answers_as_documented(platform_document.include(tag="open311"), council_address, lambda _: {})


def test_the_open311_client_keys(
    platform_document: OpenApiSchema, council_address: str, council_admin: Headers
) -> None:
    """A council's administrators issuing and revoking Open311 applications' keys."""
    every_operation_answers_as_documented(
        platform_document.include(tag="open311 clients"), council_address, lambda _: council_admin
    )
