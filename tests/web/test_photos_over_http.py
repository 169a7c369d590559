"""A resident adds photos to the report they just sent, on its confirmation page."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import text

from civicshare.db.engine import Database
from civicshare.transactions.attachments import MAX_UPLOAD_BYTES
from tests.support import photo_png
from tests.web.test_pages_over_http import browser_at, csrf_token

SERVICE = "/services/report-pothole"
PNG = photo_png()
GIF = b"GIF89a" + b"\x00" * 64


async def _report_a_pothole(http: httpx.AsyncClient) -> tuple[str, str, dict[str, str]]:
    """Send a pothole report at Kingston as a browser; its reference, the page's CSRF token and headers."""
    headers = browser_at("kingston")
    token = await csrf_token(http, f"{SERVICE}/location", headers)
    answers = {
        "location": {"location_description": "Outside 9 Market Place"},
        "details": {"size": "large", "on": "road"},
        "contact": {"email": f"photos-{uuid.uuid4().hex[:6]}@kingston.example"},
        "check": {},
    }
    for step, fields in answers.items():
        answered = await http.post(f"{SERVICE}/{step}", data={**fields, "csrf_token": token}, headers=headers)
        assert answered.status_code == 303, answered.text
    confirmation = await http.get(f"{SERVICE}/confirmation", headers=headers)
    reference = re.search(r"KNG-\d{4}-\d+", confirmation.text)[0]  # type: ignore[index]
    return reference, token, headers


async def _add(
    http: httpx.AsyncClient, reference: str, token: str, headers: dict[str, str], name: str, content: bytes
) -> httpx.Response:
    files = {"photos": (name, content, "image/png")}
    return await http.post(f"{SERVICE}/photos/{reference}", data={"csrf_token": token}, files=files, headers=headers)


async def _photos_of(database: Database, reference: str) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "select a.filename from tenant_kingston.attachments a join tenant_kingston.transactions t "
                "on t.id = a.transaction_id where t.reference = :reference order by a.id"
            ),
            {"reference": reference},
        )
        return [row.filename for row in rows]


async def test_a_photo_added_on_the_confirmation_page_is_kept_with_the_report(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    reference, token, headers = await _report_a_pothole(http)
    page = await http.get(f"{SERVICE}/confirmation", headers=headers)
    assert "Add photos (optional)" in page.text
    assert "JPG, PNG or HEIC, smaller than" in page.text

    added = await _add(http, reference, token, headers, "pothole.png", PNG)
    assert added.status_code == 303, added.text
    page = await http.get(added.headers["location"], headers=headers)
    assert "pothole.png" in page.text and "Upload another photo" in page.text
    assert await _photos_of(database, reference) == ["pothole.png"]


async def test_a_file_that_is_not_a_photo_is_refused_with_a_message_and_nothing_is_kept(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    reference, token, headers = await _report_a_pothole(http)
    # Named and labelled as a PNG, but its bytes are a GIF's: the bytes decide.
    refused = await _add(http, reference, token, headers, "pothole.png", GIF)
    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert "The selected file must be a JPG, PNG or HEIC" in refused.text
    assert 'href="#photos"' in refused.text  # the summary leads to the upload field

    nothing_chosen = await _add(http, reference, token, headers, "", b"")  # what a browser sends
    assert nothing_chosen.status_code == 400 and "Select a photo" in nothing_chosen.text
    assert await _photos_of(database, reference) == []


async def test_only_the_browser_that_sent_the_report_may_add_photos_and_only_for_a_while(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    reference, token, headers = await _report_a_pothole(http)
    async with httpx.AsyncClient(base_url=str(http.base_url)) as someone_else:
        their_token = await csrf_token(someone_else, f"{SERVICE}/location", headers)
        refused = await _add(someone_else, reference, their_token, headers, "mine.png", PNG)
    assert refused.status_code == 404

    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "update tenant_kingston.transactions set created_at = now() - interval '31 minutes' "
                "where reference = :reference"
            ),
            {"reference": reference},
        )
    late = await _add(http, reference, token, headers, "late.png", PNG)
    assert late.status_code == 400
    assert "You can only add photos in the 30 minutes after you send your request" in late.text
    assert await _photos_of(database, reference) == []
    page = await http.get(f"{SERVICE}/confirmation", headers=headers)
    assert 'type="file"' not in page.text


async def test_files_too_large_to_accept_get_a_page_that_says_so(
    http: httpx.AsyncClient, database: Database, shipped_councils: list[str]
) -> None:
    reference, token, headers = await _report_a_pothole(http)
    over_the_limit = PNG + b"\x00" * MAX_UPLOAD_BYTES
    refused = await _add(http, reference, token, headers, "huge.png", over_the_limit)
    assert refused.status_code == 413
    assert "What you sent is too large" in refused.text
    assert await _photos_of(database, reference) == []
