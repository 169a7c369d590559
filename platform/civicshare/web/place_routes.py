"""The resident site's places pages: arriving from another council's site with answers for a place in this
council's area (`right_council`), and the council's boundary for the map."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.places.service import boundary_of
from civicshare.policy import PUBLIC
from civicshare.tenancy.hosts import public_origin
from civicshare.web.flow_routes import _data, _draft, _keep, _offered
from civicshare.web.flows import CHECK_PAGE, first_unfinished
from civicshare.web.front_door import area_outline
from civicshare.web.right_council import read_handover
from civicshare.web.site import WebRequest


@get("/services/{code:str}/handover", opt=PUBLIC)
async def arrive_with_answers(
    web: NamedDependency[WebRequest], code: FromPath[str], answers: FromQuery[str] = ""
) -> Response[Any]:
    """Keep the answers the resident gave the other council, then carry on where they are needed."""
    offered = await _offered(web, code)
    handover = read_handover(web, answers)
    if handover is None or handover.service != code:
        return web.redirect(f"/services/{code}")  # an old or altered link: start afresh
    draft = _draft(web, code)
    draft.typed.update(handover.typed)
    draft.email = draft.email or handover.email
    draft.via = handover.via or draft.via
    _keep(web, code, draft)
    unfinished = first_unfinished(offered, _data(offered, draft), draft.email)
    return web.redirect(f"/services/{code}/{unfinished or CHECK_PAGE}")


def _per_site(request: Request[Any, Any, State]) -> str:
    """The response cache's key for a site's outline: the site as well as the path (every site's path is the same)."""
    return f"boundary:{public_origin(request.scope)}{root_path(request.scope)}"


@get("/boundary.geojson", opt=PUBLIC, cache=300, cache_key_builder=_per_site)
async def council_boundary(web: NamedDependency[WebRequest]) -> Response[Any]:
    """The council's area as GeoJSON, for the map on location pages (404 where it has none); on a front door,
    its councils' areas."""
    if web.front_door is not None:
        return Response(await area_outline(web, web.front_door), media_type="application/geo+json")
    async with web.site.services.database.engine.connect() as connection:
        stored = await boundary_of(connection, web.council.slug)
    if stored is None:
        raise Problem(404, "Page not found", f"{web.council.name} has no boundary on the platform.", name="not-found")
    feature = {
        "type": "Feature",
        "properties": {"council": web.council.name, "illustrative": stored.illustrative, "source": stored.source},
        "geometry": stored.geojson,
    }
    return Response(feature, media_type="application/geo+json")


HANDLERS = [arrive_with_answers, council_boundary]
