"""Data a module derives when a request is submitted (a new council tax account) is never lost: if working
it out fails once, the resident is still told their request is saved, and sending the same request again
(same Idempotency-Key) gives them the derived data."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

import civicshare.transactions.submission as submission
from civicshare.modules import on_submitted
from tests.modules_e2e.conftest import Councils, answers_for
from tests.transactions.test_submissions import post, track


async def test_a_hook_that_fails_once_is_worked_out_again_on_the_replay(
    http: httpx.AsyncClient, councils: Councils, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, key = councils.outsider.slug, uuid.uuid4().hex
    answers = answers_for("tell-us-you-are-moving", councils.outsider)
    failures: list[str] = []

    def fails_once(*arguments: Any) -> Mapping[str, Any]:
        if not failures:
            failures.append("the back office was slow")
            raise TimeoutError("the back office was slow")
        return on_submitted(*arguments)

    monkeypatch.setattr(submission, "on_submitted", fails_once)

    first = await post(http, slug, "tell-us-you-are-moving", answers, key)
    assert first.status_code == 201, first.text
    reference = first.json()["reference"]

    again = await post(http, slug, "tell-us-you-are-moving", answers, key)
    assert again.status_code == 201, again.text
    assert again.json()["reference"] == reference
    new_account = again.json()["derived"]["new_account_reference"]
    assert new_account.endswith(reference.rsplit("-", 1)[-1].lstrip("0"))
    assert (await track(http, slug, reference))["derived"]["new_account_reference"] == new_account
