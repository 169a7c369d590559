"""The resident site's places pages: arriving from another council's site with answers for a place in this
council's area (`right_council`), and the council's boundary and streets for the map."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.http.problems import Problem
from civicshare.places.service import boundary_of
from civicshare.policy import PUBLIC
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


# Browsers keep it for five minutes (by its whole address, the council's host included). Not Litestar's
# response cache (`cache=`): its key is the path alone, so one council's boundary was served at another's.
BROWSER_CACHE = {"Cache-Control": "public, max-age=300"}


@get("/boundary.geojson", opt=PUBLIC)
async def council_boundary(web: NamedDependency[WebRequest]) -> Response[Any]:
    """The council's area as GeoJSON, for the map on location pages (404 where it has none); on a front door,
    its councils' areas."""
    if web.front_door is not None:
        outline = await area_outline(web, web.front_door)
        return Response(outline, media_type="application/geo+json", headers=BROWSER_CACHE)
    async with web.site.services.database.engine.connect() as connection:
        stored = await boundary_of(connection, web.council.slug)
    if stored is None:
        raise Problem(404, "Page not found", f"{web.council.name} has no boundary on the platform.", name="not-found")
    feature = {
        "type": "Feature",
        "properties": {"council": web.council.name, "illustrative": stored.illustrative, "source": stored.source},
        "geometry": stored.geojson,
    }
    return Response(feature, media_type="application/geo+json", headers=BROWSER_CACHE)


@get("/streets.geojson", opt=PUBLIC)
async def council_streets(web: NamedDependency[WebRequest]) -> Response[Any]:
    """The council's streets as GeoJSON, for the map where there are no tiles (404 where it has none)."""
    streets = web.site.services.streets.streets_of(web.council.slug)
    if streets is None:
        raise Problem(404, "Page not found", f"{web.council.name} has no streets on the platform.", name="not-found")
    return Response(streets, media_type="application/geo+json", headers=BROWSER_CACHE)


HANDLERS = [arrive_with_answers, council_boundary, council_streets]
