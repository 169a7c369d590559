"""The resident website's long-lived parts (`WebSite`) and one visit's view of them (`WebRequest`).

`WebSite` is built once by the app factory: templates, built assets, the service catalogue, the
usage cache and the session key. Handlers receive a `WebRequest` by dependency injection (`web`): the
council, the session, who is signed in, and helpers that render a page or redirect and, on the way
out, store the session cookie when it changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie, State
from litestar.response import Redirect

from civicshare.api.problems import Problem
from civicshare.modules import ModuleRegistry
from civicshare.payments import SandboxPaymentProvider
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY
from civicshare.web.assets import BuiltAssets, load_assets
from civicshare.web.branding import PLATFORM_THEME, CouncilTheme, logo_file, theme_for
from civicshare.web.catalogue import UsageCache
from civicshare.web.offer import CouncilOffer
from civicshare.web.residents import SignedInResident, signed_in_resident
from civicshare.web.session import COOKIE_NAME, CSRF_FIELD, MAX_AGE_SECONDS, WebSession, session_key

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATE_KEY = "web"
PLATFORM_PAGES = frozenset({"platform_home.html", "error.html"})
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


def make_environment(*, auto_reload: bool = False) -> Environment:
    return Environment(
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
    registry: ModuleRegistry | None = None
    usage: UsageCache = field(default_factory=UsageCache)
    environment: Environment = field(default_factory=make_environment)
    # The demo's and the tests' payments: no money moves. GOV.UK Pay plugs into the same port.
    payments: SandboxPaymentProvider = field(default_factory=SandboxPaymentProvider)

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = self.services.registry
        self.catalogue = CouncilOffer(
            self.services.database.engine, self.registry, max_age=self.services.settings.tenant_cache_seconds
        )
        self.session_key = session_key(self.services.settings.secret_key.get_secret_value())
        self.environment.globals.update(
            css_url=self.assets.url("civicshare.css"),
            js_url=self.assets.url("civicshare.js"),
        )

    def render(self, template: str, context: dict[str, Any]) -> str:
        return self.environment.get_template(template).render(context)

    def base_context(self, tenant: TenantContext | None, root_path: str) -> dict[str, Any]:
        theme: CouncilTheme = theme_for(tenant.branding) if tenant else PLATFORM_THEME
        has_logo = tenant is not None and logo_file(self.services.settings.tenants_dir, tenant) is not None
        return {
            "council": tenant,
            "theme": theme,
            "root": root_path,
            "logo_url": f"{root_path}/branding/council-logo" if has_logo else None,
            "resident": None,
            "csrf_token": None,
            "csrf_field": CSRF_FIELD,
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

    def __init__(self, request: Request[Any, Any, State], site: WebSite) -> None:
        self.request = request
        self.site = site
        self.tenant: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
        self.root = str(request.scope.get("root_path", "")).rstrip("/")
        self.session = WebSession.decode(request.cookies.get(COOKIE_NAME), site.session_key)
        self.resident: SignedInResident | None = signed_in_resident(request.scope, self.session)

    @property
    def council(self) -> TenantContext:
        if self.tenant is None:
            raise Problem(404, "Page not found", "This page belongs to a council's website.", name="council-not-given")
        return self.tenant

    def url(self, path: str) -> str:
        return f"{self.root}{path}"

    # -- CSRF -------------------------------------------------------------------------------------------

    async def form(self) -> dict[str, str]:
        """The posted form, after checking its CSRF token and origin; a 403 page otherwise."""
        origin = self.request.headers.get("origin")
        host = self.request.headers.get("host", "")
        if origin and origin != "null" and origin.split("://", 1)[-1] != host:
            raise Problem(403, "Form sent from another site", "Go back to the page and try again.", name="csrf")
        self.council  # noqa: B018 - raises: forms belong to a council's pages
        data = await self.request.form()
        fields = {key: value if isinstance(value, str) else "" for key, value in data.items()}
        if not self.session.csrf_matches(fields.pop(CSRF_FIELD, None)):
            raise Problem(
                403,
                "Your session has expired",
                "For your security, the form could not be sent. Go back, reload the page and try again.",
                name="csrf",
            )
        return fields

    # -- responses --------------------------------------------------------------------------------------

    def context(self, **values: Any) -> dict[str, Any]:
        context = self.site.base_context(self.tenant, self.root)
        context.update(resident=self.resident, csrf_token=self.session.csrf_token)
        errors: list[FieldError] = values.get("errors") or []
        context["field_errors"] = errors_by_field(errors)
        context.update(values)
        return context

    def page(self, template: str, *, status: int = 200, **values: Any) -> Response[str]:
        if self.tenant is None and template not in PLATFORM_PAGES:
            self.council  # noqa: B018 - raises: every other page belongs to a council
        html = self.site.render(template, self.context(**values))
        response = Response(html, status_code=status, media_type=MediaType.HTML, headers=_PAGE_HEADERS)
        return self._with_session(response)

    def redirect(self, path: str) -> Response[Any]:
        return self._with_session(Redirect(self.url(path), status_code=303))

    def _with_session(self, response: Response[Any]) -> Response[Any]:
        if self.session.changed:
            secure = self.request.url.scheme == "https"
            response.cookies.append(
                Cookie(
                    key=COOKIE_NAME,
                    value=self.session.encode(self.site.session_key),
                    path=self.root or "/",
                    max_age=MAX_AGE_SECONDS,
                    httponly=True,
                    secure=secure,
                    samesite="lax",
                )
            )
        return response


# Pages hold personal answers or per-visit tokens: never stored by shared caches.
_PAGE_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}
