"""Ordnance Survey's Places API, postcode search, as an `AddressLookup`.

Written against OS's documented API (`GET /search/places/v1/postcode?postcode=&key=&output_srs=WGS84`):
each result is a `DPA` record (Royal Mail's delivery points) with `UPRN`, `ADDRESS`, `POSTCODE`, and
with output_srs=WGS84 its `LAT` and `LNG`. A postcode with no addresses answers 200 with no `results`;
a malformed one 400, a refused key 401, too many requests 429, all with `{"error": {"message": ...}}`.
"""

from __future__ import annotations

from typing import Any

import httpx

from civicshare.places.addresses import Address, AddressLookupUnavailable, normalise_postcode

DEFAULT_URL = "https://api.os.uk/search/places/v1"
PAGE = 100  # OS's maxresults; a postcode rarely has more addresses


class OsPlacesLookup:
    def __init__(self, key: str, *, base_url: str = DEFAULT_URL, timeout_seconds: float = 5.0) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds

    async def addresses_at(self, postcode: str) -> list[Address]:
        wanted = normalise_postcode(postcode)
        params: dict[str, str | int] = {
            "postcode": wanted,
            "key": self._key,
            "output_srs": "WGS84",
            "dataset": "DPA",
            "maxresults": PAGE,
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                answer = await client.get(f"{self._base_url}/postcode", params=params)
        except httpx.HTTPError as error:
            raise AddressLookupUnavailable(f"OS Places could not be reached: {type(error).__name__}") from None
        if answer.status_code == 400:
            return []  # OS refuses postcodes it does not know the shape of; ours were checked already
        if answer.status_code != 200:
            raise AddressLookupUnavailable(f"OS Places answered {answer.status_code}: {_message(answer)}")
        try:
            results = answer.json().get("results") or []
            return [_address(item["DPA"]) for item in results if "DPA" in item]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise AddressLookupUnavailable(f"OS Places answered something unexpected: {error!r}") from None


def _address(record: dict[str, Any]) -> Address:
    return Address(
        uprn=str(record["UPRN"]),
        text=str(record["ADDRESS"]),
        postcode=str(record["POSTCODE"]),
        latitude=float(record["LAT"]),
        longitude=float(record["LNG"]),
    )


def _message(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return answer.reason_phrase
