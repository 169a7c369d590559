"""An officer's visit to a back-office page: who they are, the council, and how pages are rendered.

Every back-office handler declares its permission (`civicshare.policy`) and asks for
`staff_visit: NamedDependency[StaffVisit]`. The app's guard lets in only those the policy allows at the
request's council: anyone not signed in is sent to sign in and brought back, anyone else is refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from litestar import MediaType, Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.authentication import forbidden
from civicshare.casework.service import Officer
from civicshare.casework.teams import OfficerTeams, officer_teams
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.identity.principal import Principal
from civicshare.policy import Permission, allows, may_work_on
from civicshare.savings.dashboard import DASHBOARD_FILTERS
from civicshare.services import PlatformServices
from civicshare.staff.fragments import RenderedFragments
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.views import staff_name
from civicshare.web.site import STATE_KEY as WEB_STATE_KEY
from civicshare.web.site import FieldError, WebRequest, WebSite

STATE_KEY = "staff"
TEMPLATES = Path(__file__).parent / "templates"
# A page's `opt` flag: the page reads the officer's teams itself (`StaffVisit.read_teams`) in its own
# transaction, rather than the visit in one of its own before the page (a transaction less).
TEAMS_READ_BY_PAGE = "teams_read_by_page"
_NO_STORE = {"cache-control": "no-store"}  # security headers: `civicshare.edge.headers`, on every answer


# The first pages of the queues of a few hundred councils: some 10 MB.
MOST_ROWS_KEPT = 8192


@dataclass
class StaffPages:
    """The back office's templates, laid over the council website's (its layout, components and assets)."""

    environment: Environment
    fragments: RenderedFragments
    rows: RenderedFragments  # the queue's rows, each 1-2 kB

    @classmethod
    def over(cls, site: WebSite) -> StaffPages:
        loader = ChoiceLoader([FileSystemLoader(TEMPLATES), site.environment.loader])  # type: ignore[list-item]
        environment = site.environment.overlay(loader=loader)
        environment.filters = {**environment.filters, **DASHBOARD_FILTERS}  # the savings dashboard's figures
        return cls(environment, RenderedFragments(environment), RenderedFragments(environment, MOST_ROWS_KEPT))


class StaffVisit:
    """One officer's visit to a back-office page."""

    def __init__(self, web: WebRequest, officer: Principal, pages: StaffPages, reach: OfficerTeams | None) -> None:
        self.web = web
        self.officer = officer
        self.pages = pages
        self._reach = reach  # None until read, for a page that reads it itself (`TEAMS_READ_BY_PAGE`)

    async def read_teams(self, connection: AsyncConnection) -> None:
        """The officer's teams, read on the page's own connection (`TEAMS_READ_BY_PAGE`)."""
        self._reach = await officer_teams(connection, self.officer.subject)

    @property
    def reach(self) -> OfficerTeams:
        if self._reach is None:
            raise RuntimeError("the page reads the officer's teams itself (read_teams) before it uses them")
        return self._reach

    @property
    def allowed(self) -> frozenset[str] | None:
        """The services the officer's teams work on; None for every service."""
        return self.reach.allowed

    @property
    def teams(self) -> tuple[int, ...]:
        """The ids of the officer's teams."""
        return self.reach.mine

    @property
    def team_names(self) -> dict[int, str]:
        """Every team of the council, in order of name."""
        return self.reach.names

    def may_work_on(self, service: str) -> bool:
        return may_work_on(self.allowed, service)

    def may(self, permission: Permission) -> bool:
        """Whether the officer holds `permission` here (to offer a link or a button, not to guard a page)."""
        return allows(self.officer.actor, permission, self.web.council)

    async def request_row(
        self, connection: AsyncConnection, reference: str, *, for_update: bool = False
    ) -> dict[str, Any]:
        """A request of this council the officer may work on: 404 if there is none, 403 if their teams
        do not work on its service."""
        row = await find_by_reference(connection, reference, for_update=for_update)
        if row is None:
            raise Problem(
                404, "Request not found", f"{self.web.council.name} has no request {reference}.",
                name="transaction-not-found",
            )  # fmt: skip
        self.check_may_work_on(row["service"])
        return row

    def check_may_work_on(self, service: str) -> None:
        """403 for a request of a service the officer's teams do not work on."""
        if not self.may_work_on(service):
            raise forbidden("Your team does not work on this service, so you cannot open its requests.")

    def _may_named(self, permission: str) -> bool:
        return self.may(Permission(permission))

    @property
    def services(self) -> PlatformServices:
        return self.web.site.services

    def page(self, template: str, *, status: int = 200, **values: Any) -> Response[str]:
        context = self.web.context(
            officer=self.officer, officer_name=staff_name(self.officer), may=self._may_named, **values
        )
        html = self.pages.environment.get_template(template).render(context)
        return self.web.with_flow(Response(html, status_code=status, media_type=MediaType.HTML, headers=_NO_STORE))

    @property
    def casework_officer(self) -> Officer:
        return Officer(self.officer.subject, staff_name(self.officer))

    def redirect(self, path: str) -> Response[Any]:
        """A form in progress (assisted digital) is kept in the flow cookie, as on the resident's pages."""
        return self.web.redirect(path)


async def provide_staff_visit(
    request: Request[Any, Any, State],
    staff: NamedDependency[Principal],
    csrf_token: NamedDependency[str],
) -> StaffVisit:
    principal = staff  # admitted by the app's guard for the page's declared permission, at this council
    site: WebSite = request.app.state[WEB_STATE_KEY]
    web = WebRequest(request, site, principal, csrf_token)
    council = web.council
    await site.logos.refresh(council)
    pages: StaffPages = request.app.state[STATE_KEY]
    if request.route_handler.opt.get(TEAMS_READ_BY_PAGE):
        return StaffVisit(web, principal, pages, None)
    async with tenant_connection(site.services.database.engine, council) as connection:
        reach = await officer_teams(connection, principal.subject)
    return StaffVisit(web, principal, pages, reach)


def sign_in_first(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A visitor who is not signed in (`SignInRequired` from the app's guard) is sent to sign in, then
    brought back."""
    here = request.scope["path"]
    if request.scope.get("query_string"):
        here += "?" + request.scope["query_string"].decode("latin-1")
    return Redirect(f"{root_path(request.scope)}/auth/sign-in?{urlencode({'next': here})}", status_code=303)


def text_problems(name: str, label: str, text: str | None, limit: int) -> list[FieldError]:
    """What is wrong with free text an officer typed (too long, or holding a NUL PostgreSQL cannot store)."""
    if text is None:
        return []
    if len(text) > limit:
        return [FieldError(name, f"{label} must be {limit:,} characters or fewer")]
    if "\x00" in text:
        return [FieldError(name, f"{label} must not contain control characters")]
    return []
