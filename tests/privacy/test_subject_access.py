"""A council admin asks for everything held about a resident: a job writes a zip with every request,
update and photo of that person at that council, and nothing of anyone else's, nor of another council."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import httpx
from PIL import Image

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from civicshare.transactions.updates import add_public_update
from tests.auth.conftest import CouncilWithOrganization
from tests.privacy.conftest import HIGHWAYS, decide, officer_token, polled, report_pothole, resident
from tests.support import photo_png, tenant_context_for

ADA_COLOUR, BEN_COLOUR = (200, 30, 30), (30, 30, 200)
ADA_PHOTO, BEN_PHOTO = photo_png(colour=ADA_COLOUR), photo_png(colour=BEN_COLOUR)


def colour_of(image: bytes) -> tuple[int, int, int]:
    """The colour of a photo as stored (the platform re-encodes every photo it keeps)."""
    red, green, blue = Image.open(io.BytesIO(image)).convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    return red, green, blue


def close_to(found: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(found, colour, strict=True))


async def _exported(operator: httpx.AsyncClient, slug: str, person: dict[str, str]) -> zipfile.ZipFile:
    started = await operator.post(f"/admin/v1/councils/{slug}/subject-access", json=person)
    assert started.status_code == 202, started.text
    assert started.headers["location"] == started.json()["poll_url"]
    job = await polled(operator, started.headers["location"])
    assert job["state"] == "done", job
    assert job["requests_found"] == job["requests_written"]
    downloaded = await operator.get(job["download_url"])
    assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(downloaded.content))


def _everything(archive: zipfile.ZipFile) -> bytes:
    return b"".join(archive.read(name) for name in archive.namelist())


async def test_a_subject_access_export_holds_everything_of_that_person_at_that_council_and_nothing_else(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    job_worker: PlatformServices,
) -> None:
    here, there = await council(**HIGHWAYS), await council(**HIGHWAYS)
    ada_email, ada_subject, ada_token = await resident(dev_identity, "Ada")
    ben_email, _, ben_token = await resident(dev_identity, "Ben")
    staff = await officer_token(dev_identity, here)

    # Ada: two reports here (one signed in, one by email only, one with a photo), one at the other council
    ada_signed_in = await report_pothole(
        http, here, ada_email, token=ada_token, details="Ada's pothole", photo=ADA_PHOTO
    )
    ada_by_email = await report_pothole(http, here, ada_email.upper(), details="Ada again")
    ada_elsewhere = await report_pothole(http, there, ada_email, token=ada_token, details="Ada at the other council")
    ben_here = await report_pothole(http, here, ben_email, token=ben_token, details="Ben's pothole", photo=BEN_PHOTO)
    await decide(http, here, staff, ada_signed_in, "Filled in on Tuesday")
    tenant = await tenant_context_for(database, here)
    async with tenant_connection(database.engine, tenant) as connection:
        await add_public_update(connection, ada_by_email, "A crew is booked for Friday", "Highways team")
        await add_public_update(connection, ben_here, "Ben's crew is booked", "Highways team")

    archive = await _exported(operator, here, {"email": ada_email})

    assert {"person.json", "summary.html", "requests.csv"} <= set(archive.namelist())
    document: dict[str, Any] = json.loads(archive.read("person.json"))
    assert document["council"]["slug"] == here
    requests = {item["reference"]: item for item in document["requests"]}
    assert set(requests) == {ada_signed_in, ada_by_email}
    assert requests[ada_signed_in]["answers"]["details"] == "Ada's pothole"
    assert [event["to_status"] for event in requests[ada_signed_in]["status_history"]][-1] == "resolved"
    assert requests[ada_signed_in]["decision_reason"] == "Filled in on Tuesday"
    assert [update["body"] for update in requests[ada_by_email]["public_updates"]] == ["A crew is booked for Friday"]
    photo = requests[ada_signed_in]["photos"][0]
    assert close_to(colour_of(archive.read(photo["file"])), ADA_COLOUR)
    rows = list(csv.DictReader(io.StringIO(archive.read("requests.csv").decode())))
    assert sorted(row["reference"] for row in rows) == sorted([ada_signed_in, ada_by_email])
    summary = archive.read("summary.html").decode()
    assert ada_signed_in in summary and "A crew is booked for Friday" in summary

    everything = _everything(archive)
    for someone_elses in (ben_here, ben_email, "Ben's pothole", "Ben's crew", ada_elsewhere):
        assert someone_elses.encode() not in everything, someone_elses
    photos = [name for name in archive.namelist() if name.startswith("photos/")]
    assert photos and not any(close_to(colour_of(archive.read(name)), BEN_COLOUR) for name in photos)

    # By her account the export finds what she sent signed in (here only)
    by_account = json.loads((await _exported(operator, here, {"account": ada_subject})).read("person.json"))
    assert [item["reference"] for item in by_account["requests"]] == [ada_signed_in]
    # At the other council, only what she sent there
    there_export = json.loads((await _exported(operator, there, {"email": ada_email})).read("person.json"))
    assert [item["reference"] for item in there_export["requests"]] == [ada_elsewhere]


async def test_a_subject_access_request_is_checked_and_found_only_at_its_own_council(
    operator: httpx.AsyncClient, council: CouncilWithOrganization, job_worker: PlatformServices
) -> None:
    here, there = await council(**HIGHWAYS), await council(**HIGHWAYS)
    for person in ({}, {"email": "not an email"}):
        refused = await operator.post(f"/admin/v1/councils/{here}/subject-access", json=person)
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    started = await operator.post(f"/admin/v1/councils/{here}/subject-access", json={"email": "nobody@example.org"})
    job = await polled(operator, started.headers["location"])
    assert job["state"] == "done" and job["requests_found"] == 0
    elsewhere = await operator.get(f"/admin/v1/councils/{there}/subject-access/{job['id']}")
    assert elsewhere.status_code == 404 and elsewhere.headers["content-type"] == "application/problem+json"
    assert (await operator.get(f"/admin/v1/councils/{there}/subject-access/{job['id']}/file")).status_code == 404
