"""Council staff work through their council's requests over HTTP: the queue, one request in full, and
moving it on, with a decision the resident then reads. Nobody else gets in, and no council's staff
reach another council's residents."""

from __future__ import annotations

import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.transactions.photos import prepared_photo
from tests.support import host_for, photo_png

from .conftest import CouncilWithOrganization, bearer, staff_token

POTHOLE = {"latitude": "51.41", "longitude": "-0.30", "size": "large", "on": "road"}
HIGHWAYS = {"modules": {"highways": {"enabled": True}}}


async def report_pothole(http: httpx.AsyncClient, slug: str) -> str:
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={"answers": POTHOLE, "channel": "web", "contact_email": "grace@example.org"},
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def test_staff_see_their_councils_queue_and_nobody_else_does(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**HIGHWAYS), await council(**HIGHWAYS)
    reference = await report_pothole(http, ours)
    other_reference = await report_pothole(http, theirs)
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", ours)
    tess = await staff_token(dev_identity, f"tess-{uuid.uuid4().hex[:6]}@example.org", theirs)

    queue = await http.get("/api/v1/staff/transactions", headers=bearer(sam, ours))
    assert queue.status_code == 200, queue.text
    assert [item["reference"] for item in queue.json()] == [reference]
    assert queue.json()[0]["status_label"] == "Received"

    assert (await http.get("/api/v1/staff/transactions", headers=bearer(tess, ours))).status_code == 403
    assert (await http.get("/api/v1/staff/transactions", headers=host_for(ours))).status_code == 401
    resident = dev_identity.issue_token("rosa.resident@example.org")
    assert (await http.get("/api/v1/staff/transactions", headers=bearer(resident, ours))).status_code == 403
    # Sam's council's schema has no such request, whatever its reference says
    elsewhere = f"/api/v1/staff/transactions/{other_reference}"
    assert (await http.get(elsewhere, headers=bearer(sam, ours))).status_code == 404
    moved = await http.post(f"{elsewhere}/status", json={"status": "in_progress"}, headers=bearer(sam, ours))
    assert moved.status_code == 404


async def test_staff_move_a_request_on_and_the_resident_reads_who_decided_and_why(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug)
    sam = await staff_token(dev_identity, "sam.staff@example.org", slug)
    path = f"/api/v1/staff/transactions/{reference}"

    seen = await http.get(path, headers=bearer(sam, slug))
    assert seen.status_code == 200, seen.text
    assert seen.json()["answers"]["size"] == "large" and "in_progress" in seen.json()["next_statuses"]

    started = await http.post(f"{path}/status", json={"status": "in_progress"}, headers=bearer(sam, slug))
    assert started.status_code == 200, started.text
    assert started.json()["request"]["status_label"] == "In progress"

    no_reason = await http.post(f"{path}/status", json={"status": "rejected"}, headers=bearer(sam, slug))
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    unknown = await http.post(f"{path}/status", json={"status": "teleported"}, headers=bearer(sam, slug))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "status"

    rejected = await http.post(
        f"{path}/status",
        json={"status": "rejected", "reason": "This road belongs to TfL", "reason_public": True},
        headers=bearer(sam, slug),
    )
    assert rejected.status_code == 200, rejected.text
    again = await http.post(f"{path}/status", json={"status": "in_progress"}, headers=bearer(sam, slug))
    assert again.status_code == 409 and "cannot move" in again.json()["detail"]

    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.json()["status"] == "rejected"
    assert tracked.json()["decision"]["reason"] == "This road belongs to TfL"
    sams_name = (await http.get("/api/v1/me", headers=bearer(sam, slug))).json()["name"]
    assert tracked.json()["decision"]["by"] == sams_name
    assert [event["status"] for event in tracked.json()["history"]] == ["submitted", "in_progress", "rejected"]


async def test_staff_open_the_photo_a_resident_attached_and_no_other_councils_staff_can(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours, theirs = await council(**HIGHWAYS), await council(**HIGHWAYS)
    sent = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={"answers": POTHOLE, "channel": "app", "contact_email": "grace@example.org"},
        headers=host_for(ours),
    )
    reference, upload = sent.json()["reference"], sent.json()["upload"]
    photo = photo_png(colour=(uuid.uuid4().bytes[0], uuid.uuid4().bytes[0], 7))
    attached = await http.post(
        upload["href"],
        files={"files": ("pothole by the bus stop.png", photo, "image/png")},
        headers={**host_for(ours), "X-Upload-Token": upload["token"]},
    )
    assert attached.status_code == 201, attached.text
    photo = prepared_photo("pothole by the bus stop.png", photo).content  # as kept: re-encoded, no metadata
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", ours)
    tess = await staff_token(dev_identity, f"tess-{uuid.uuid4().hex[:6]}@example.org", theirs)

    seen = (await http.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(sam, ours))).json()
    [listed] = seen["attachments"]
    assert (listed["filename"], listed["content_type"], listed["size_bytes"]) == (
        "pothole by the bus stop.png",
        "image/png",
        len(photo),
    )
    opened = await http.get(listed["href"], headers=bearer(sam, ours))
    assert opened.status_code == 200
    assert opened.content == photo
    assert opened.headers["content-type"] == "image/png"
    assert opened.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in opened.headers["content-disposition"]

    by_prefix = await http.get(f"/t/{ours}/api/v1/staff/transactions/{reference}", headers=bearer(sam, ours))
    [listed_by_prefix] = by_prefix.json()["attachments"]
    assert listed_by_prefix["href"] == f"/t/{ours}{listed['href']}"
    assert (await http.get(listed_by_prefix["href"], headers=bearer(sam, ours))).content == photo

    assert (await http.get(listed["href"], headers=bearer(tess, ours))).status_code == 403
    assert (await http.get(listed["href"], headers=host_for(ours))).status_code == 401
    other = await report_pothole(http, ours)  # the same council, but a request with no such file
    wrong_request = listed["href"].replace(reference, other)
    assert (await http.get(wrong_request, headers=bearer(sam, ours))).status_code == 404
    assert (await http.get(f"{listed['href']}0", headers=bearer(sam, ours))).status_code == 404


async def test_a_queue_asked_for_in_a_way_it_cannot_be_read_says_which_field_is_wrong(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    ours = await council(**HIGHWAYS)
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", ours)

    refused = await http.get("/api/v1/staff/transactions", params={"limit": "0"}, headers=bearer(sam, ours))
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["field"] == "limit"
    assert error["message"]


async def test_an_attachment_id_no_record_can_have_is_not_found(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug)
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    path = f"/api/v1/staff/transactions/{reference}/attachments/{2**63}"
    assert (await http.get(path, headers=bearer(sam, slug))).status_code == 404
