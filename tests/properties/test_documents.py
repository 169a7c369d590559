"""The platform describes its APIs in OpenAPI documents that validate, and every operation in them says which
errors it can answer and in what shape: problem+json on the APIs, GeoReport's error list on Open311."""

from __future__ import annotations

import httpx
from openapi_spec_validator import validate

ERRORS = {"400", "401", "403", "404", "405", "413", "415", "422", "429", "503"}


def operations(document: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]


async def test_every_operation_of_the_platform_documents_its_errors(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    for label, operation in operations(document):
        responses = operation["responses"]
        assert isinstance(responses, dict)
        assert set(responses) >= ERRORS, label
        expected = "#/components/schemas/GeoReportErrors" if " /open311/" in label else "#/components/schemas/Problem"
        media_type = "application/json" if " /open311/" in label else "application/problem+json"
        assert responses["404"]["content"][media_type]["schema"] == {"$ref": expected}, label


async def test_the_admin_document_documents_its_errors_as_problems(http: httpx.AsyncClient) -> None:
    document = (await http.get("/admin/v1/schema/openapi.json")).json()
    for label, operation in operations(document):
        responses = operation["responses"]
        assert isinstance(responses, dict)
        assert set(responses) >= ERRORS, label
        assert responses["401"]["description"].startswith("no operator key"), label
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
