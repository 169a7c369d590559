"""The admin API describes itself in an OpenAPI 3.1 document that validates, with an interactive page."""

from __future__ import annotations

import httpx
from openapi_spec_validator import validate


async def test_the_admin_document_validates_and_covers_only_the_admin_api(http: httpx.AsyncClient) -> None:
    response = await http.get("/admin/v1/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert all(path.startswith("/admin/v1/") for path in document["paths"])
    for path in ("/admin/v1/councils", "/admin/v1/audit-events", "/admin/v1/api-keys", "/admin/v1/usage"):
        assert path in document["paths"]
    assert "OperatorKey" in document["components"]["securitySchemes"]
    audit_methods = set(document["paths"]["/admin/v1/audit-events/{event_id}"])
    assert audit_methods == {"get"}
    start = document["paths"]["/admin/v1/councils/{slug}/exports"]["post"]["responses"]
    assert set(start["202"]["headers"]) == {"Location", "Retry-After"}
    assert "application/problem+json" in start["404"]["content"]
    poll = document["paths"]["/admin/v1/councils/{slug}/export-jobs/{job_id}"]["get"]["responses"]
    assert "application/problem+json" in poll["404"]["content"]


async def test_the_interactive_reference_is_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/admin/v1/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/admin/v1/schema/openapi.json" in response.text
