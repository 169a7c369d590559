"""Following a nearby report instead of sending a duplicate, and the link in a follower's emails that stops it.

On check your answers the resident sees the open reports of the same service near their pin (`web.nearby`).
"Follow this report instead" subscribes the email address they gave (and their account, when signed in)
to that report's updates, discards their draft and shows a confirmation; no request is made.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.db.engine import tenant_connection
from civicshare.places.nearby import NotNearby, follow_nearby
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.transactions.followers import follower_of_token, unfollow
from civicshare.web.flow_routes import DRAFTS, _check_page, _data, _draft, _offered
from civicshare.web.flows import CHECK_PAGE, email_problem, uk_day
from civicshare.web.nearby import distance_words, pin_in
from civicshare.web.site import FieldError, WebRequest

FOLLOWED = "followed"
GONE = "This report has been closed or is no longer near your pin. Send your report, or follow another one"


@post("/services/{code:str}/follow", middleware=[rate_limited(Traffic.SUBMISSIONS)], opt=PUBLIC)
async def follow_instead(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], code: FromPath[str]
) -> Response[Any]:
    offered = await _offered(web, code)
    draft = _draft(web, code)
    pin = pin_in(offered, _data(offered, draft))
    if pin is None or email_problem(draft.email) is not None:
        return web.redirect(f"/services/{code}/{CHECK_PAGE}")  # nothing to follow from: the form is not done
    key = (await web.form()).get("report", "")
    subject = web.resident.subject if web.resident else None
    within = offered.service.duplicates_within_metres
    try:
        async with tenant_connection(web.site.services.database.engine, web.council) as connection:
            report, _ = await follow_nearby(
                connection, web.site.flow_key, web.council.slug, code, pin, within, key, draft.email, subject
            )
    except NotNearby:
        return await _check_page(web, offered, draft, [FieldError("nearby", GONE)], status=409)
    drafts = dict(web.flow.get(DRAFTS) or {})
    drafts.pop(code, None)  # the resident's own report is not sent
    web.flow[DRAFTS] = drafts
    web.flow[FOLLOWED] = {
        "service": code,
        "email": draft.email,
        "where": distance_words(report),
        "status": offered.status_label(report.status),
        "reported_on": uk_day(report.reported_at.date()),
    }
    return web.redirect(f"/services/{code}/following")


@get("/services/{code:str}/following", opt=PUBLIC)
async def following(web: NamedDependency[WebRequest], code: FromPath[str]) -> Response[Any]:
    """The confirmation, for the browser that chose to follow a report."""
    offered = await _offered(web, code)
    followed = web.flow.get(FOLLOWED)
    if not isinstance(followed, dict) or followed.get("service") != code:
        return web.redirect(f"/services/{code}")
    return web.page("following.html", current="services", offered=offered, followed=followed)


def _follower(web: WebRequest, token: str) -> int | None:
    return follower_of_token(web.site.flow_key, web.council.slug, token)


@get("/unfollow", opt=PUBLIC)
async def unfollow_page(web: NamedDependency[WebRequest], token: FromQuery[str] = "") -> Response[Any]:
    """Asks before stopping: mail scanners open links, and must not stop anyone's updates."""
    if _follower(web, token) is None:
        return web.page("unfollow.html", status=400, title="This link does not work", token=None)
    return web.page("unfollow.html", title="Stop getting updates about this report", token=token)


@post("/unfollow", middleware=[rate_limited(Traffic.SUBMISSIONS)], opt=PUBLIC)
async def unfollow_now(web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None]) -> Response[Any]:
    follower = _follower(web, (await web.form()).get("token", ""))
    if follower is None:
        return web.page("unfollow.html", status=400, title="This link does not work", token=None)
    async with tenant_connection(web.site.services.database.engine, web.council) as connection:
        await unfollow(connection, follower)
    return web.page("unfollow.html", title="You will not get any more updates about this report", done=True)


HANDLERS = [follow_instead, following, unfollow_page, unfollow_now]
