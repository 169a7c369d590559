"""A map pin on a location step: the latitude and longitude the map script puts in two hidden fields.

They are not questions the resident types (the description is the typed, no-JavaScript way), so they are
kept beside the step's questions: read from the post, kept in the draft, handed to the step's model.
"""

from __future__ import annotations

from typing import Any

from litestar import Response

from civicshare.edge.headers import csp_nonce, page_policy
from civicshare.modules import FormStep, LocationForm
from civicshare.web.questions import COORDINATES
from civicshare.web.site import WebRequest


def takes_pin(step: FormStep) -> bool:
    return issubclass(step.form, LocationForm)


def posted_pin(step: FormStep, posted: dict[str, str]) -> dict[str, str]:
    """The pin's fields as posted (both empty when no pin was dropped, as without JavaScript)."""
    if not takes_pin(step):
        return {}
    return {name: posted.get(name, "").strip()[:32] for name in COORDINATES}


def pin_data(step: FormStep, typed: dict[str, str]) -> dict[str, Any]:
    """The pin as the step's model reads it: numbers, or the text (which the model refuses) when not one."""
    if not takes_pin(step) or not all(typed.get(name) for name in COORDINATES):
        return {}
    data: dict[str, Any] = {}
    for name in COORDINATES:
        try:
            data[name] = float(typed[name])
        except ValueError:
            data[name] = typed[name]
    return data


def map_values(web: WebRequest) -> dict[str, Any]:
    """What the map on a pin step needs: its script and styles, the tiles if any, where the boundary is."""
    settings = web.site.services.settings
    return {
        "map_js_url": web.site.assets.url("map.js"),
        "map_css_url": web.site.assets.url("map.css"),
        "map_tiles": settings.map_tile_url or "",
        "map_attribution": settings.map_tile_attribution,
        "map_boundary_url": web.url("/boundary.geojson"),
        "map_streets_url": web.url("/streets.geojson"),
    }


def with_tile_images(response: Response[Any], web: WebRequest) -> Response[Any]:
    """Let the page load the tile server's images (the platform's own policy, widened by that origin)."""
    tiles = web.site.services.settings.map_tile_url
    if tiles:
        scheme, _, rest = tiles.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        response.headers["content-security-policy"] = page_policy(csp_nonce(), (origin,))
    return response
