"""The right council for a place: a pin outside this council's area is not silently accepted.

When the pin is in another council on the platform that offers the same service, the resident is
offered to send it there: a signed link to that council's site carries their answers over (the
`handover`), so they carry on there without typing again. Otherwise they are told plainly that the
place is outside this council's area. Councils without a boundary accept any place in the UK.
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from civicshare.api.identity import origin_of
from civicshare.catalogue.service import Offering
from civicshare.identity.sessions import TamperedCookie, sign, unsign
from civicshare.places.responsibility import PlaceOutside
from civicshare.tenancy.context import TenantContext
from civicshare.web.flows import Draft
from civicshare.web.site import WebRequest

PURPOSE = "handover"
HANDOVER_SECONDS = 60 * 60


async def place_outside(web: WebRequest, offered: Offering, data: dict[str, Any]) -> PlaceOutside | None:
    """The step's place (a pin, an address's postcode, a postcode in a description) when it is outside
    this council's area, and whose it is; None when it is in the area or cannot be told."""
    return await web.site.services.area.answers_outside(web.council, offered.service, data)


def outside_words(web: WebRequest, place: PlaceOutside) -> str:
    """The message on the answer that put the request outside the area, when no council here takes it."""
    if place.answer == "latitude":
        return f"This place is outside the area of {web.council.name}. Choose a place in it"
    if place.answer == "location_description":
        return f"This place is outside the area of {web.council.name}. Describe a place in its area"
    return f"This address is outside the area of {web.council.name}. Enter an address in its area"


def _site_of(web: WebRequest, other: TenantContext) -> str:
    """Where the other council's pages are, seen from this request: the same platform host with its path
    prefix, its host under the same base domain, or its own domain."""
    origin = origin_of(web.request)
    here = web.council
    if web.root.startswith("/t/"):
        return f"{origin}/t/{other.slug}"
    scheme, _, host = origin.partition("://")
    if host.startswith(f"{here.slug}."):
        return f"{scheme}://{other.slug}.{host.removeprefix(here.slug + '.')}"
    if other.domains:
        return f"https://{other.domains[0]}"
    return f"{origin}/t/{other.slug}"


def handover_url(web: WebRequest, offered: Offering, draft: Draft, other: TenantContext) -> str:
    token = handover_token(web, offered.code, draft.typed, draft.email, from_site=web.council.slug)
    return f"{_site_of(web, other)}/services/{offered.code}/handover?" + urlencode({"answers": token})


def handover_token(
    web: WebRequest, service: str, typed: dict[str, str], email: str, *, from_site: str, via: str = ""
) -> str:
    """The answers, signed for another site on the platform (`via`: the front door's name, if it sent them)."""
    payload = json.dumps(
        {"service": service, "typed": typed, "email": email, "from": from_site, "via": via, "at": int(time.time())},
        separators=(",", ":"),
    )
    body = base64.urlsafe_b64encode(zlib.compress(payload.encode(), 6)).rstrip(b"=").decode()
    return sign(web.site.flow_key, PURPOSE, body)


@dataclass(frozen=True)
class Handover:
    service: str
    typed: dict[str, str]
    email: str
    from_council: str
    via: str = ""


def read_handover(web: WebRequest, token: str) -> Handover | None:
    """The answers another council's site sent, or None when the link is altered or too old."""
    try:
        body = unsign(web.site.flow_key, PURPOSE, token)
        payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
    except (TamperedCookie, ValueError, zlib.error):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("at"), int):
        return None
    if time.time() - payload["at"] > HANDOVER_SECONDS:
        return None
    typed, email = payload.get("typed"), payload.get("email")
    if not isinstance(typed, dict) or not isinstance(email, str):
        return None
    via = payload.get("via")
    return Handover(
        str(payload.get("service")),
        {str(k): str(v) for k, v in typed.items()},
        email,
        str(payload.get("from")),
        via[:120] if isinstance(via, str) else "",
    )
