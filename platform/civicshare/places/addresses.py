"""Addresses at a postcode: the port services use, and the check that an address is in a council's area.

Production uses Ordnance Survey's Places API (`os_places.OsPlacesLookup`); the demo and the tests use
the addresses in `tenants/demo-addresses.json` (`DemoAddressLookup`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from civicshare.places.locator import CouncilLocator

# The UK postcode shapes (outward code, then a digit and two letters), and GIR 0AA.
OUTWARD = r"[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKS-UW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
POSTCODE = re.compile(rf"^(GIR ?0AA|{OUTWARD} ?[0-9][ABD-HJLNP-UW-Z]{{2}})$")
POSTCODE_IN_TEXT = re.compile(rf"\b(?:{OUTWARD}) ?[0-9][ABD-HJLNP-UW-Z]{{2}}\b")


class InvalidPostcode(ValueError):
    """Not a UK postcode; the message is fit for the resident."""


class AddressLookupUnavailable(Exception):
    """The address service could not answer now (down, refused our key, too slow)."""


@dataclass(frozen=True)
class Address:
    uprn: str  # the Unique Property Reference Number, the same for every system that knows the property
    text: str
    postcode: str
    latitude: float
    longitude: float


class AddressLookup(Protocol):
    async def addresses_at(self, postcode: str) -> list[Address]:
        """Every address at the postcode (normalised, e.g. "KT1 1EU"); empty when there are none."""


def normalise_postcode(typed: str) -> str:
    """The postcode in capitals with one space before its last three characters, or InvalidPostcode."""
    squeezed = re.sub(r"\s+", "", typed or "").upper()
    if not squeezed:
        raise InvalidPostcode("Enter a postcode")
    if len(squeezed) > 8 or not POSTCODE.match(squeezed):
        raise InvalidPostcode("Enter a real postcode, like KT1 1EU")
    return f"{squeezed[:-3]} {squeezed[-3:]}"


def postcode_in(text: str) -> str | None:
    """The last UK postcode written in a free-text address ("12 High Street, Kingston KT1 1EU"), normalised."""
    matches = list(POSTCODE_IN_TEXT.finditer((text or "").upper()))
    return normalise_postcode(matches[-1].group(0)) if matches else None


def without_postcode(address: Address) -> str:
    """The address's text without its trailing postcode (forms ask for the postcode on its own)."""
    text = address.text.strip()
    for ending in (f", {address.postcode}", f" {address.postcode}"):
        if text.upper().endswith(ending.upper()):
            return text[: -len(ending)].rstrip(", ")
    return text


@dataclass(frozen=True)
class AddressesInArea:
    inside: list[Address]
    elsewhere: dict[str, list[Address]]  # the other councils on the platform whose area holds some, by slug
    # (an address in two councils' areas is under each)
    nowhere: list[Address]  # in no council's area on the platform


def sort_by_council(addresses: list[Address], council: str, locator: CouncilLocator) -> AddressesInArea:
    """Which of the addresses are in the council's area (all of them, where it has no boundary)."""
    if council not in locator:
        return AddressesInArea(addresses, {}, [])
    inside: list[Address] = []
    elsewhere: dict[str, list[Address]] = {}
    nowhere: list[Address] = []
    for address in addresses:
        holding = locator.councils_at(address.longitude, address.latitude)
        if council in holding:
            inside.append(address)
        elif holding:
            for slug in holding:  # every council whose area holds it (a county and its district both do)
                elsewhere.setdefault(slug, []).append(address)
        else:
            nowhere.append(address)
    return AddressesInArea(inside, elsewhere, nowhere)


class DemoAddressLookup:
    """Addresses from a JSON file: {"KT1 1EU": [{"uprn", "text", "latitude", "longitude"}, ...], ...}."""

    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self._by_postcode = {
            normalise_postcode(postcode): [
                Address(str(item["uprn"]), str(item["text"]), normalise_postcode(postcode),
                        float(item["latitude"]), float(item["longitude"]))
                for item in items
            ]
            for postcode, items in data.items()
            if not postcode.startswith("_")
        }  # fmt: skip

    async def addresses_at(self, postcode: str) -> list[Address]:
        return list(self._by_postcode.get(normalise_postcode(postcode), []))
