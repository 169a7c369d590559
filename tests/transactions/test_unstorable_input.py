"""What a client sends that the database cannot store, or the platform cannot read, is refused before
anything is written, in the interface's own words (never a 500), and harms no other resident's request."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.modules_e2e.conftest import Councils
from tests.support import host_for

SUBMIT = "/api/v1/services/report-streetlight/transactions"
STREETLIGHT = {"location_description": "Outside 4 Mill Lane", "fault": "out"}


def submission(answers: dict[str, Any] | None = None, email: str = "ada@example.org") -> dict[str, Any]:
    return {"answers": answers or STREETLIGHT, "channel": "web", "contact_email": email}


def refused_field(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert "cannot be saved" in error["message"]
    return str(error["field"])


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        pytest.param(
            submission({**STREETLIGHT, "location_description": "Mill\x00Lane"}), "answers.location_description"
        ),
        pytest.param(submission({**STREETLIGHT, "extra\x00": "x"}), "answers.extra\\u0000", id="in a key"),
        pytest.param(submission(email="ada\x00@example.org"), "contact_email"),
    ],
)
async def test_a_nul_character_is_refused_naming_its_field_and_nothing_is_written(
    http: httpx.AsyncClient, councils: Councils, sent: dict[str, Any], field: str
) -> None:
    slug = councils.outsider.slug
    assert refused_field(await http.post(SUBMIT, json=sent, headers=host_for(slug))) == field

    written = await http.post(SUBMIT, json=submission(), headers=host_for(slug))
    assert written.status_code == 201, written.text
    assert written.json()["reference"].endswith("-000001")  # the refusal took no number


async def test_one_unstorable_submission_among_many_harms_none_of_the_others(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.member.slug
    neighbours = [submission({**STREETLIGHT, "location_description": f"Lamp {n}"}) for n in range(20)]
    bad = submission({**STREETLIGHT, "location_description": "Lamp \x00"})

    answers = await asyncio.gather(
        *(http.post(SUBMIT, json=sent, headers=host_for(slug)) for sent in [*neighbours[:10], bad, *neighbours[10:]])
    )

    refused = answers.pop(10)
    assert refused_field(refused) == "answers.location_description"
    assert [answer.status_code for answer in answers] == [201] * 20
    assert len({answer.json()["reference"] for answer in answers}) == 20


async def test_an_empty_idempotency_key_is_refused_every_time_naming_the_header(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.member.slug
    for _ in range(2):
        refused = await http.post(SUBMIT, json=submission(), headers={**host_for(slug), "Idempotency-Key": ""})
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "Idempotency-Key" in refused.text
    kept = await http.post(SUBMIT, json=submission(), headers={**host_for(slug), "Idempotency-Key": "k-1"})
    assert kept.status_code == 201, kept.text


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"answers": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}", id="nested past the decoder"),
        pytest.param(b'{"answers": {"a": ' + b"[" * 500 + b"]" * 500 + b"}}", id="nested 500 deep"),
        pytest.param(b'{"answers": {"location_description": "\xff\xfe", "fault": "out"}}', id="invalid UTF-8"),
    ],
)
async def test_a_body_that_cannot_be_read_is_a_problem_not_a_crash(
    http: httpx.AsyncClient, councils: Councils, content: bytes
) -> None:
    sent = {**host_for(councils.member.slug), "content-type": "application/json"}
    refused = await http.post(SUBMIT, content=content, headers=sent)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


async def test_tracking_with_a_nul_in_the_reference_or_email_finds_nothing_and_says_so(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    slug = councils.member.slug
    reference = (await http.post(SUBMIT, json=submission(), headers=host_for(slug))).json()["reference"]

    by_reference = await http.get(
        f"/api/v1/transactions/{reference}%00", params={"email": "ada@example.org"}, headers=host_for(slug)
    )
    assert by_reference.status_code == 404
    by_email = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "ada@example.org\x00"}, headers=host_for(slug)
    )
    assert refused_field(by_email) == "email"
    payment = await http.post(
        f"/api/v1/transactions/{reference}%00/payment", params={"email": "ada@example.org"}, headers=host_for(slug)
    )
    assert payment.status_code == 404
    assert (
        await http.get(f"/api/v1/transactions/{reference}", params={"email": "ada@example.org"}, headers=host_for(slug))
    ).status_code == 200
