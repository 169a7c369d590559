"""Operators asking for an id no record can have (past PostgreSQL's bigint), or uploading a logo form
without its file, are told so in problem+json, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.conftest import onboard

BEYOND_BIGINT = 2**63


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/admin/v1/audit-events/{BEYOND_BIGINT}"),
        ("GET", f"/admin/v1/exports/{BEYOND_BIGINT}"),
        ("GET", f"/admin/v1/exports/{BEYOND_BIGINT}/archive"),
        ("GET", f"/admin/v1/councils/anywhere/export-jobs/{BEYOND_BIGINT}"),
        ("GET", f"/admin/v1/api-keys/{BEYOND_BIGINT}"),
        ("POST", f"/admin/v1/api-keys/{BEYOND_BIGINT}/revoke"),
        ("GET", "/admin/v1/api-keys/-1"),
    ],
)
async def test_an_id_no_record_can_have_is_not_found(admin: httpx.AsyncClient, method: str, path: str) -> None:
    answer = await admin.request(method, path)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_logo_form_without_its_file_is_refused(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    path = f"/admin/v1/councils/{slug}/branding/logo"
    only_text = await admin.put(path, files={"data": (None, "not a file")})
    assert only_text.status_code == 422 and only_text.json()["errors"][0]["field"] == "data", only_text.text
    no_parts = await admin.put(
        path, content=b"--edge--\r\n", headers={"content-type": "multipart/form-data; boundary=edge"}
    )
    assert no_parts.status_code == 422, no_parts.text
    assert no_parts.json()["errors"] == [{"field": "data", "message": "Choose the logo file to upload (a PNG or SVG)"}]
