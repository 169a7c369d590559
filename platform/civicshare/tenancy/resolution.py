"""Which council a request is for: decided once, where the request enters, before any routing.

In order: a path prefix `/t/<slug>/` (stripped before routing), the Host (`<slug>.<base domain>` or
one of a council's own domains), then `X-Tenant` for API clients on the platform's own host. When two
of these name different councils the request is refused rather than guessed at. A Host that names no
council may name a front door (an area's shared site, `FrontDoorContext`): the request then has no
council, and the front door is stored beside it under `FRONT_DOOR_SCOPE_KEY`; a council named as well
(path or `X-Tenant`) is refused as a conflict. A malformed or repeated
Host is refused (400, `civicshare.tenancy.hosts`); the origin the request came to is recorded for the
links the platform gives out (`hosts.public_origin`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from civicshare.db.outage import outage_problem
from civicshare.http.problems import PROBLEM_JSON, Problem
from civicshare.http.scope import scope_header
from civicshare.observability.logs import request_id_var, tenant_slug_var
from civicshare.tenancy.context import FrontDoorContext, TenantContext, TenantStatus
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.hosts import (
    PUBLIC_ORIGIN_KEY,
    MalformedHost,
    bad_host,
    origin_for,
    public_origin,
    request_host,
)

TENANT_SCOPE_KEY = "civicshare.tenant"
FRONT_DOOR_SCOPE_KEY = "civicshare.front_door"
PATH_PREFIX = re.compile(r"^/t/(?P<slug>[^/]+)(?P<rest>/.*)?$")
REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIds:
    """Ids for requests that bring none: this process's random prefix and a count, 32 hex digits. Unique
    without asking the kernel for randomness on every request (a system call each, under load)."""

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""
        self._count = 0

    def next(self) -> str:
        if self._pid != os.getpid():  # a forked process takes a prefix of its own
            self._pid, self._prefix, self._count = os.getpid(), secrets.token_hex(8), 0
        self._count += 1
        return f"{self._prefix}{self._count:016x}"


_request_ids = RequestIds()

log = logging.getLogger(__name__)

HtmlErrorPage = Callable[[Scope, Problem, TenantContext | None], bytes | None]
"""Content negotiation for resolution's own errors: an HTML page for a browser, or None for problem+json."""


@dataclass(frozen=True)
class HostRules:
    base_domain: str
    platform_hosts: frozenset[str]

    def slug_from_host(self, host: str) -> str | None:
        suffix = "." + self.base_domain
        if host.endswith(suffix):
            label = host.removesuffix(suffix)
            if label and "." not in label:
                return label
        return None


def unknown_council(name: str) -> Problem:
    return Problem(
        404,
        "Council not found",
        f"There is no council called {name!r} on this platform.",
        name="unknown-council",
    )


def tenant_unavailable(tenant: TenantContext) -> Problem:
    if tenant.status is TenantStatus.SUSPENDED:
        detail = f"{tenant.name}'s online services are suspended at the moment. Please try again later."
    else:
        detail = f"{tenant.name}'s online services have closed on this platform."
    return Problem(
        503,
        "Council services unavailable",
        detail,
        name="council-unavailable",
        extra={"council": tenant.slug, "council_status": tenant.status.value},
        headers={"retry-after": "3600"} if tenant.status is TenantStatus.SUSPENDED else {},
    )


FormattedError = Callable[[Scope, Problem], "tuple[bytes, str] | None"]
"""The body and content type of a resolution error for a path whose interface has its own error format."""


class TenantResolver:
    """ASGI wrapper: resolves the council, stores it in the request scope, then hands over to the app."""

    def __init__(
        self,
        app: ASGIApp,
        directory: TenantDirectory,
        rules: HostRules,
        html_errors: HtmlErrorPage | None = None,
        shared_paths: tuple[str, ...] = (),
        formatted_errors: FormattedError | None = None,
    ) -> None:
        self.app = app
        self.directory = directory
        self.rules = rules
        self.html_errors = html_errors
        # Paths every council's pages share (built stylesheets), served even while a council is
        # suspended so that its "unavailable" page is still styled.
        self.shared_paths = shared_paths
        # An interface that answers errors in a standard's own format (Open311) gives the body for its paths.
        self.formatted_errors = formatted_errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        offered = scope_header(scope, REQUEST_ID_HEADER)
        request_id = offered if offered and _SAFE_REQUEST_ID.match(offered) else _request_ids.next()
        request_token = request_id_var.set(request_id)
        tenant_token = tenant_slug_var.set(None)
        try:
            try:
                tenant, scope = await self._resolve(scope)
            except Problem as problem:
                await self._send_error(send, scope, problem, None, request_id)
                return
            except Exception as error:  # reloading the council directory found the database out of reach
                outage = outage_problem(error)
                if outage is None:
                    raise
                log.warning("database unreachable while resolving the council of %s: %r", scope["path"], error)
                await self._send_error(send, scope, outage, None, request_id)
                return
            scope[TENANT_SCOPE_KEY] = tenant  # type: ignore[literal-required]
            if tenant is not None:
                tenant_slug_var.set(tenant.slug)
                if not tenant.serves_residents and not scope["path"].startswith(self.shared_paths):
                    await self._send_error(send, scope, tenant_unavailable(tenant), tenant, request_id)
                    return
            await self.app(scope, receive, _with_request_id(send, request_id))
        finally:
            tenant_slug_var.reset(tenant_token)
            request_id_var.reset(request_token)

    async def _send_error(
        self, send: Send, scope: Scope, problem: Problem, tenant: TenantContext | None, request_id: str
    ) -> None:
        formatted = self.formatted_errors(scope, problem) if self.formatted_errors else None
        if formatted is not None:
            await _send_body(send, problem, formatted[0], formatted[1], request_id)
            return
        page = self.html_errors(scope, problem, tenant) if self.html_errors else None
        if page is None:
            await _send_problem(send, problem, scope["path"], request_id)
        else:
            await _send_body(send, problem, page, "text/html; charset=utf-8", request_id)

    async def _resolve(self, scope: Scope) -> tuple[TenantContext | None, Scope]:
        try:
            requested = request_host(scope)
        except MalformedHost as malformed:
            raise bad_host(str(malformed)) from None
        # The Host now names a platform host or a council's configured one exactly (or the request is
        # refused below): links built from it name the configured host, lower case, with a port of digits.
        scope[PUBLIC_ORIGIN_KEY] = (  # type: ignore[literal-required]
            origin_for(scope["scheme"], requested.name, requested.port) if requested else public_origin(scope)
        )
        candidates: list[tuple[str, TenantContext]] = []
        match = PATH_PREFIX.match(scope["path"])
        if match:
            slug = match["slug"]
            tenant = await self.directory.by_slug(slug)
            if tenant is None:
                raise unknown_council(slug)
            candidates.append(("path", tenant))
            rest = match["rest"] or "/"
            prefix = f"/t/{slug}"
            scope = {
                **scope,
                "path": rest,
                "raw_path": rest.encode(),
                "root_path": scope.get("root_path", "") + prefix,
            }  # type: ignore[assignment]
        host = requested.name if requested else ""
        front_door: FrontDoorContext | None = None
        if host and host not in self.rules.platform_hosts:
            slug = self.rules.slug_from_host(host)
            tenant = await (self.directory.by_slug(slug) if slug else self.directory.by_domain(host))
            if tenant is None:
                front_door = await (
                    self.directory.front_door_by_slug(slug) if slug else self.directory.front_door_by_domain(host)
                )
                if front_door is None:
                    raise unknown_council(slug or host)
            else:
                candidates.append(("host", tenant))
        header = scope_header(scope, b"x-tenant")
        if header is not None:
            tenant = await self.directory.by_slug(header.strip().lower())
            if tenant is None:
                raise unknown_council(header.strip())
            candidates.append(("X-Tenant", tenant))
        if front_door is not None:
            if candidates:
                source, named = candidates[0]
                raise Problem(
                    400,
                    "Conflicting council",
                    f"The host is the front door {front_door.slug!r} but the {source} names council {named.slug!r}.",
                    name="conflicting-council",
                )
            scope[FRONT_DOOR_SCOPE_KEY] = front_door  # type: ignore[literal-required]
            return None, scope
        if not candidates:
            return None, scope
        first_source, first = candidates[0]
        for source, other in candidates[1:]:
            if other.slug != first.slug:
                raise Problem(
                    400,
                    "Conflicting council",
                    f"The {first_source} names council {first.slug!r} but the {source} names {other.slug!r}.",
                    name="conflicting-council",
                )
        return first, scope


def _with_request_id(send: Send, request_id: str) -> Send:
    async def send_with_id(message: Any) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
        await send(message)

    return send_with_id


async def _send_problem(send: Send, problem: Problem, path: str, request_id: str) -> None:
    await _send_body(send, problem, problem.encoded(instance=path), PROBLEM_JSON, request_id)


async def _send_body(send: Send, problem: Problem, body: bytes, content_type: str, request_id: str) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (REQUEST_ID_HEADER, request_id.encode()),
        *((key.encode(), value.encode()) for key, value in problem.headers.items()),
    ]
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": problem.status, "headers": headers}
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
