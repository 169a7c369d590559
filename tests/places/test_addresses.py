"""Addresses at a postcode: this council's are listed, another council's postcode is named as theirs, and
the OS Places adapter reads OS's documented answers (from a stand-in on loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from civicshare.places.addresses import AddressLookupUnavailable
from civicshare.places.os_places import OsPlacesLookup
from tests.auth.conftest import CouncilWithOrganization
from tests.support import host_for

from .conftest import give_boundary, square


async def test_a_council_lists_its_addresses_and_names_the_council_of_another_postcode(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    here, there = await council(), await council()
    await give_boundary(operator, here, square(-0.33, 51.38))  # holds the demo's KT1 1EU
    await give_boundary(operator, there, square(0.00, 51.48))  # holds the demo's E16 2QU

    listed = await http.get("/api/v1/addresses", params={"postcode": "kt11eu"}, headers=host_for(here))
    assert listed.status_code == 200, listed.text
    assert listed.json()["postcode"] == "KT1 1EU"
    assert len(listed.json()["addresses"]) == 2
    assert listed.json()["addresses"][0]["address"].startswith("GUILDHALL, HIGH STREET")

    theirs = await http.get("/api/v1/addresses", params={"postcode": "E16 2QU"}, headers=host_for(here))
    assert theirs.status_code == 422 and theirs.json()["type"].endswith("outside-council-area")
    # Other councils may hold E16 2QU too (the demo's Newham, other tests' councils): each is named.
    named = theirs.json()["councils"]
    assert there in named, named
    assert all(("Newham" if slug == "newham" else f"Test Council {slug}") in theirs.json()["detail"] for slug in named)

    for postcode, status, name in (("12345", 422, "invalid-postcode"), ("ZE1 0AA", 404, "no-addresses")):
        answer = await http.get("/api/v1/addresses", params={"postcode": postcode}, headers=host_for(here))
        assert answer.status_code == status and answer.json()["type"].endswith(name)
        assert answer.headers["content-type"].startswith("application/problem+json")


DOWNING_STREET = {
    "header": {"uri": "...", "query": "postcode=SW1A 2AA", "totalresults": 1},
    "results": [
        {
            "DPA": {
                "UPRN": "100023336956",
                "ADDRESS": "PRIME MINISTER & FIRST LORD OF THE TREASURY, 10 DOWNING STREET, LONDON, SW1A 2AA",
                "POSTCODE": "SW1A 2AA",
                "LAT": 51.5035398,
                "LNG": -0.1276312,
            }
        }
    ],
}


class StandIn(BaseHTTPRequestHandler):
    """OS Places as documented: results for SW1A 2AA, none for SW1A 9ZZ, 401 for a wrong key."""

    asked: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        StandIn.asked.append(query)
        body: dict[str, Any]
        if query.get("key") != ["right"]:
            status, body = 401, {"error": {"statuscode": 401, "message": "Invalid ApiKey"}}
        elif url.path != "/search/places/v1/postcode":
            status, body = 404, {"error": {"statuscode": 404, "message": "Not found"}}
        elif query.get("postcode") == ["SW1A 2AA"]:
            status, body = 200, DOWNING_STREET
        else:
            status, body = 200, {"header": {"totalresults": 0}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def os_places() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/search/places/v1"
    server.shutdown()
    server.server_close()


async def test_the_os_places_adapter_reads_addresses_and_says_when_it_cannot(os_places: str) -> None:
    lookup = OsPlacesLookup("right", base_url=os_places)
    found = await lookup.addresses_at("sw1a2aa")
    assert [(a.uprn, a.postcode, a.latitude, a.longitude) for a in found] == [
        ("100023336956", "SW1A 2AA", 51.5035398, -0.1276312)
    ]
    assert StandIn.asked[-1]["output_srs"] == ["WGS84"] and StandIn.asked[-1]["dataset"] == ["DPA"]
    assert await lookup.addresses_at("SW1A 9ZZ") == []
    with pytest.raises(AddressLookupUnavailable, match="401: Invalid ApiKey"):
        await OsPlacesLookup("wrong", base_url=os_places).addresses_at("SW1A 2AA")
    with pytest.raises(AddressLookupUnavailable, match="could not be reached"):
        await OsPlacesLookup("right", base_url="http://127.0.0.1:9/nothing").addresses_at("SW1A 2AA")
