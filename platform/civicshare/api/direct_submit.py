"""Submissions answered straight from ASGI, ahead of Litestar's per-request machinery.

A submission is the request residents make most, and the one the platform must answer fastest. Measured
with `python -m bench submissions` and pyinstrument, Litestar's work around the handler (its argument
parsing and signature model, the parsed request headers, turning the returned Response into an ASGI one)
cost about 80 µs of the 350 µs a worker spent per submission.

`DirectSubmissions` sits between council resolution and the Litestar app. A POST to the submit route
whose body decodes into `SubmitRequest` is answered by calling the route's own handler,
`submit_transaction`, with the arguments Litestar would have given it, and its Response is sent as it
is. There is no second implementation of the route: it stays registered with Litestar, which describes
it in the OpenAPI document and answers everything the lane leaves alone. A body that is not a valid
`SubmitRequest` or holds what `civicshare.api.inputs` refuses, an Idempotency-Key that is too long, a
body over the route's limit, a body not sent as JSON, or a request a session cookie signs in goes to
Litestar with the body replayed, so the client gets exactly the error it always got; an exception
raised by the handler is answered by the app's own exception handlers.
The submissions rate limit is counted here, before the body is read, and once: a request passed on to
Litestar is marked as counted.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.enums import MediaType, ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.types import (
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)
from litestar.utils.scope.state import ScopeState

from civicshare.api.csrf import signed_in_by_cookie
from civicshare.api.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH
from civicshare.api.inputs import MOST_NESTED, first_unacceptable, says_json
from civicshare.api.transactions import submit_transaction
from civicshare.http.scope import scope_header
from civicshare.ratelimits.limits import Traffic, rate_limits_of
from civicshare.ratelimits.middleware import ADMITTED_SCOPE_KEY
from civicshare.transactions.schemas import SubmitRequest

_STRING_PARAMETER = re.compile(r"\{(?P<name>\w+):str\}")
_decode_submission = msgspec.json.Decoder(SubmitRequest).decode


def path_pattern(handler: HTTPRouteHandler) -> re.Pattern[str]:
    """The handler's one path as a pattern; each `{name:str}` parameter is one path segment."""
    (path,) = handler.paths
    pattern, position = "", 0
    for parameter in _STRING_PARAMETER.finditer(path):
        pattern += re.escape(path[position : parameter.start()]) + f"(?P<{parameter['name']}>[^/]+)"
        position = parameter.end()
    if "{" in path[position:]:
        raise ValueError(f"only string path parameters are understood here: {path}")
    return re.compile(pattern + re.escape(path[position:]))


class DirectSubmissions:
    """ASGI app: the submit route's POSTs served directly, every other request passed to `app`."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.path = path_pattern(submit_transaction)
        limit = submit_transaction.request_max_body_size
        if not isinstance(limit, int):
            raise ValueError("the submit route must declare request_max_body_size")
        self.max_body_bytes = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == ScopeType.HTTP and scope["method"] == "POST" and _lane_takes(scope):
            found = self.path.fullmatch(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        refused = rate_limits_of(self.app.state).refusal(scope, Traffic.SUBMISSIONS)
        if refused is not None:
            await self._refuse(scope, receive, send, refused)
            return
        scope[ADMITTED_SCOPE_KEY] = Traffic.SUBMISSIONS  # type: ignore[literal-required]
        received, body = await _read_body(receive, self.max_body_bytes)
        key = scope_header(scope, b"idempotency-key")
        too_long = key is not None and len(key) > IDEMPOTENCY_KEY_MAX_LENGTH
        unusable = too_long or first_unacceptable(found.groupdict().items()) is not None
        if body is None or unusable or (data := _submission(body)) is None:  # Litestar refuses it, in its own words
            await self.app(scope, _replaying(received, receive), send)
            return
        scope["app"] = scope["litestar_app"] = self.app
        scope.setdefault("state", {})
        ScopeState.from_scope(scope).body = body  # read already: `request.body()` answers with it
        request: Request[Any, Any, Any] = Request(scope, receive)
        send = self._with_hooks(scope, send)
        try:
            response = await submit_transaction.fn(code=found["code"], data=data, request=request, idempotency_key=key)
        except Exception as error:
            response = self._error_response(request, error)
        if isinstance(response.content, msgspec.Struct) and not response.cookies and response.background is None:
            await _send_json(send, response, submit_transaction.status_code)
        else:
            await response.to_asgi_response(None, request)(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, problem: Exception) -> None:
        scope["app"] = scope["litestar_app"] = self.app
        request: Request[Any, Any, Any] = Request(scope, receive)
        response = self._error_response(request, problem)
        await response.to_asgi_response(None, request)(scope, receive, self._with_hooks(scope, send))

    def _error_response(self, request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        for kind in type(error).__mro__:
            handler = self.app.exception_handlers.get(kind)
            if handler is not None:
                response: Response[Any] = handler(request, error)
                return response
        raise error

    def _with_hooks(self, scope: Scope, send: Send) -> Send:
        hooks = self.app.before_send
        if not hooks:
            return send

        async def hooked(message: Message) -> None:
            for hook in hooks:
                await hook(message, scope)
            await send(message)

        return hooked


def _lane_takes(scope: Scope) -> bool:
    """A JSON body from a client that signs in with a token or not at all. Litestar answers the others:
    a body of another type (415) and anything the session cookie would sign in, which must first prove it
    came from the platform's own pages (`identity.csrf`)."""
    return says_json(scope_header(scope, b"content-type")) and not signed_in_by_cookie(scope)


async def _read_body(receive: Receive, limit: int) -> tuple[list[ReceiveMessage], bytes | None]:
    """The messages received, and the body if it arrived whole within `limit` bytes (else None)."""
    received: list[ReceiveMessage] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, None
        size += len(message["body"])
        if size > limit:
            return received, None
        if not message.get("more_body", False):
            return received, b"".join(part["body"] for part in received if part["type"] == "http.request")


def _submission(body: bytes) -> SubmitRequest | None:
    """The body as a submission, if it is one Litestar would hand the route (see `api.inputs`)."""
    try:
        data = _decode_submission(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # also msgspec.ValidationError
        return None
    if b"\\u" not in body and body.count(b"{") + body.count(b"[") <= MOST_NESTED:
        return data  # no escape could hide a NUL, and it cannot be nested too deeply: no need to look (~10 µs)
    return data if first_unacceptable(msgspec.structs.asdict(data).items()) is None else None


def _replaying(received: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(received)

    async def replay() -> ReceiveMessage:
        return pending.pop(0) if pending else await receive()

    return replay


async def _send_json(send: Send, response: Response[Any], default_status: int) -> None:
    body = msgspec.json.encode(response.content)
    media_type = response.media_type or MediaType.JSON
    headers = [
        (b"content-type", (media_type.value if isinstance(media_type, MediaType) else media_type).encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()),
    ]
    await send(
        HTTPResponseStartEvent(
            type="http.response.start", status=response.status_code or default_status, headers=headers
        )
    )
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))
