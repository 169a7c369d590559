"""The resident website's long-lived parts (`WebSite`) and one visit's view of them (`WebRequest`).

`WebSite` is built once by the app factory: templates, built assets, the service catalogue (over the
platform's offerings) and the usage cache. Handlers receive a `WebRequest` by dependency injection
(`web`): the council, the form in progress (`flow`), who is signed in (identity's `resident_principal`),
identity's CSRF token for the page's forms, and helpers that render a page or redirect and, on the way
out, store the flow cookie when it changed. Form posts are checked by identity's `csrf_checked`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie, State
from litestar.response import Redirect

from civicshare.api.authentication import session_key
from civicshare.api.csrf import CSRF_FIELD, TokenIfShown
from civicshare.edge.headers import csp_nonce
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.identity.principal import Principal
from civicshare.services import PlatformServices
from civicshare.tenancy.context import FrontDoorContext, TenantContext
from civicshare.tenancy.resolution import FRONT_DOOR_SCOPE_KEY, TENANT_SCOPE_KEY
from civicshare.web.assets import BuiltAssets, load_assets
from civicshare.web.branding import PLATFORM_THEME, CouncilLogos, CouncilTheme, theme_for
from civicshare.web.catalogue import CouncilCatalogue, UsageCache
from civicshare.web.flow_state import COOKIE_NAME, MAX_AGE_SECONDS, FlowState
from civicshare.web.shared_pages import SharedPages
from civicshare.web.status_tags import tag_colour

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATE_KEY = "web"
PLATFORM_PAGES = frozenset(
    {
        "platform_home.html",
        "error.html",
        "dev_sign_in.html",
        "sandbox_payment.html",
        "demo_mail.html",
        "demo_mail_message.html",
    }
)
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class FieldError:
    """One message for the error summary and the field it belongs to (GOV.UK error pattern)."""

    field: str
    message: str
    target: str | None = None  # the element to focus, when not the field's own id (a date's day box)

    @property
    def href(self) -> str:
        return f"#{self.target or self.field}"


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.message)
    return found


class PageEnvironment(Environment):
    """Templates whose globals are one plain dict, taken when the template is loaded.

    Jinja keeps a template's globals as a ChainMap over the environment's, so that globals changed later
    still show; every render then copied it key by key (three times for a page that imports a macro). Ours
    are set once, by `WebSite`, before any template is loaded (as Jinja advises), so a copy does the same.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def make_environment(*, auto_reload: bool = False) -> Environment:
    return PageEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
    )


@dataclass
class WebSite:
    services: PlatformServices
    assets: BuiltAssets = field(default_factory=load_assets)
    usage: UsageCache = field(default_factory=UsageCache)
    environment: Environment = field(default_factory=make_environment)
    shared_pages: SharedPages = field(default_factory=SharedPages)

    def __post_init__(self) -> None:
        self.catalogue = CouncilCatalogue(self.services.offerings)
        self.flow_key = session_key(self.services)
        settings = self.services.settings
        self.logos = CouncilLogos(
            self.services.database.lookups, settings.tenants_dir, max_age=settings.council_copies_max_age
        )
        self.services.council_caches.append(self.logos.forget)
        self.environment.globals.update(
            csp_nonce=csp_nonce,
            tag_colour=tag_colour,
            css_url=self.assets.url("civicshare.css"),
            js_url=self.assets.url("civicshare.js"),
        )

    def render(self, template: str, context: dict[str, Any]) -> str:
        return self.environment.get_template(template).render(context)

    def base_context(self, tenant: TenantContext | None, root_path: str) -> dict[str, Any]:
        theme: CouncilTheme = theme_for(tenant.branding) if tenant else PLATFORM_THEME
        return {
            "council": tenant,
            "theme": theme,
            "root": root_path,
            "logo_url": self.logos.url(tenant, root_path),
            "resident": None,
            "csrf_token": None,
            "errors": [],
            "field_errors": {},
            "current": None,
        }

    def error_page(self, status: int, tenant: TenantContext | None, root_path: str, problem: Problem | None) -> str:
        context = self.base_context(tenant, root_path)
        context.update(status=status, problem=problem)
        return self.render("error.html", context)


def web_site(state: State) -> WebSite:
    site: WebSite = state[STATE_KEY]
    return site


class WebRequest:
    """One visit to a council's website, as a handler sees it."""

    def __init__(
        self,
        request: Request[Any, Any, State],
        site: WebSite,
        resident: Principal | None,
        csrf_token: str | TokenIfShown,
    ) -> None:
        self.request = request
        self.site = site
        self.tenant: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
        # An area's shared site (no council of its own): `civicshare.web.front_door`'s pages.
        self.front_door: FrontDoorContext | None = request.scope.get(FRONT_DOOR_SCOPE_KEY)  # type: ignore[assignment]
        self.root = root_path(request.scope)
        self.flow = FlowState.decode(request.cookies.get(COOKIE_NAME), site.flow_key)
        self.resident = resident
        self.csrf_token = csrf_token

    @property
    def council(self) -> TenantContext:
        if self.tenant is None:
            raise Problem(404, "Page not found", "This page belongs to a council's website.", name="council-not-given")
        return self.tenant

    def url(self, path: str) -> str:
        return f"{self.root}{path}"

    async def form(self) -> dict[str, str]:
        """The posted form's fields (its CSRF token was checked by identity's `csrf_checked`)."""
        if self.front_door is None:
            self.council  # noqa: B018 - raises: forms belong to a council's pages (or a front door's)
        data = await self.request.form()
        return {key: value if isinstance(value, str) else "" for key, value in data.items() if key != CSRF_FIELD}

    # -- responses --------------------------------------------------------------------------------------

    def context(self, **values: Any) -> dict[str, Any]:
        context = self.site.base_context(self.tenant, self.root)
        here = self.request.scope["path"]
        if self.request.scope.get("query_string"):
            here += "?" + self.request.scope["query_string"].decode("latin-1")
        context.update(
            front_door=self.front_door,
            resident=self.resident,
            csrf_token=self.csrf_token,
            sign_in_path=f"/auth/sign-in?{urlencode({'next': here})}",
        )
        errors: list[FieldError] = values.get("errors") or []
        context["field_errors"] = errors_by_field(errors)
        context.update(values)
        return context

    def page(self, template: str, *, status: int = 200, **values: Any) -> Response[str]:
        if self.tenant is None and self.front_door is None and template not in PLATFORM_PAGES:
            self.council  # noqa: B018 - raises: every other page belongs to a council
        html = self.site.render(template, self.context(**values))
        response = Response(html, status_code=status, media_type=MediaType.HTML, headers=_PAGE_HEADERS)
        return self.with_flow(response)

    def shared_page(self, template: str, shown: tuple[Any, ...], **values: Any) -> Response[str]:
        """`page` for a council's page every anonymous visitor sees alike, given `shown` (whatever else it
        is rendered from): rendered once per worker and kept while `shown`, the council and its logo stay
        the same (`web.shared_pages`). Signed-in residents, and addresses with a query, get `page`.
        The template must not show the form token to anonymous visitors (refused if it does)."""
        tenant = self.tenant
        if tenant is None or self.front_door is not None or self.resident is not None:
            return self.page(template, **values)
        scope = self.request.scope
        if scope.get("query_string") or values.get("errors"):
            return self.page(template, **values)

        def render(nonce_mark: str) -> str:
            context = self.context(**values)
            context.update(csp_nonce=lambda: nonce_mark, csrf_token=_TOKEN_MARK)
            html = self.site.render(template, context)
            if _TOKEN_MARK in html:
                raise RuntimeError(f"{template} shows a form token: it cannot be shared between visitors")
            return html

        key = (template, tenant.id, self.root, scope["path"])
        everything_shown = (tenant, self.site.logos.url(tenant, self.root), *shown)
        html = self.site.shared_pages.page(key, everything_shown, render, csp_nonce)
        response = Response(html, media_type=MediaType.HTML, headers=_PAGE_HEADERS)
        return self.with_flow(response)

    def redirect(self, path: str) -> Response[Any]:
        """To a path on this council's site, or to another site's address (a payment provider's page)."""
        return self.with_flow(Redirect(self.url(path) if path.startswith("/") else path, status_code=303))

    def with_flow(self, response: Response[Any]) -> Response[Any]:
        if self.flow.changed:
            secure = self.request.url.scheme == "https"
            response.cookies.append(
                Cookie(
                    key=COOKIE_NAME,
                    value=self.flow.encode(self.site.flow_key),
                    path=self.root or "/",
                    max_age=MAX_AGE_SECONDS,
                    httponly=True,
                    secure=secure,
                    samesite="lax",
                )
            )
        return response


# Pages hold personal answers or per-visit tokens: never stored by shared caches.
# (Security headers are added to every answer by `civicshare.edge.headers`.)
_PAGE_HEADERS = {"cache-control": "no-store"}
_TOKEN_MARK = f"csrf-token-{secrets.token_hex(16)}"  # where a shared page would show the token
