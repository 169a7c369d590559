"""What a request may carry, checked once for every route before its handler runs (the app's
`before_request`), so no handler, and no statement, ever sees it:

- text PostgreSQL cannot store: NUL (`\\u0000`) and lone halves of a UTF-16 surrogate pair, in any
  value or name of a query, a JSON body, a form (file names too): 422 naming the field;
- a body that cannot be decoded (malformed JSON, invalid UTF-8, nesting deeper than MOST_NESTED): 400;
- a path naming what cannot exist (such text, or an id outside PostgreSQL's bigint): 404;
- a body sent to a route that reads JSON without a JSON content type (`text/plain`, a form, none): 415.
  A browser lets any page post `text/plain` to any site; such a body is never read as JSON.

The body is decoded here with the request's own `json()` and `form()`, which keep what they decoded for
the handler. Bodies of any other type (CSV, files) are the handler's to read.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException

from civicshare.http.problems import Problem

MOST_NESTED = 32
LARGEST_ID = 2**63 - 1  # PostgreSQL's bigint; ids are never negative
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Remove the hidden character that cannot be saved (NUL, \\u0000)"
NESTED_MESSAGE = f"Values may be nested {MOST_NESTED} levels deep at most"


@dataclass(frozen=True)
class Unacceptable:
    field: str
    message: str


def _shown(name: object) -> str:
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found[0]):04x}", str(name))


def first_unacceptable(fields: Iterable[tuple[str, Any]]) -> Unacceptable | None:
    """The first of the decoded `(name, value)` fields whose text or names (at any depth) PostgreSQL
    cannot store, or that is nested too deeply; None if all of it can be stored."""
    waiting: deque[tuple[str, Iterable[tuple[object, Any]], int]] = deque([("", fields, 0)])
    while waiting:  # breadth first, without recursion: how deep a body goes is the sender's choice
        parent, entries, depth = waiting.popleft()
        for key, value in entries:
            name = f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{_shown(key)}" if parent else _shown(key)
            if isinstance(key, str) and _UNSTORABLE.search(key):
                return Unacceptable(name, UNSTORABLE_MESSAGE)
            if isinstance(value, str):
                if _UNSTORABLE.search(value):
                    return Unacceptable(name, UNSTORABLE_MESSAGE)
            elif isinstance(value, Mapping | list | tuple):
                if depth == MOST_NESTED:
                    return Unacceptable(name, NESTED_MESSAGE)
                waiting.append((name, value.items() if isinstance(value, Mapping) else enumerate(value), depth + 1))
            elif isinstance(value, UploadFile) and value.filename and _UNSTORABLE.search(value.filename):
                return Unacceptable(name, UNSTORABLE_MESSAGE)
    return None


def unacceptable_problem(found: Unacceptable) -> Problem:
    """422 naming the field, shaped like every other field problem (`errors: [{field, message}]`); 400 if too deep."""
    if found.message == NESTED_MESSAGE:
        return Problem(400, "Bad request", f"{found.field}: {found.message}.", name="bad-request")
    return Problem(
        422,
        "There is a problem",
        f"{found.field}: {found.message}.",
        name="unstorable-character",
        extra={"errors": [{"field": found.field, "message": found.message}]},
    )


def says_json(content_type: str | None) -> bool:
    """The Content-Type names JSON: `application/json` or a `+json` type, any parameters aside."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _reads_json(handler: Any) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return bool(media_type == RequestEncodingType.JSON)


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return length not in (None, "0") or "transfer-encoding" in request.headers


def unsupported_media_type() -> Problem:
    return Problem(
        415,
        "Unsupported media type",
        "Send the body as JSON, with the header Content-Type: application/json.",
        name="unsupported-media-type",
    )


def _names_nothing(value: Any) -> bool:
    if isinstance(value, int):
        return not 0 <= value <= LARGEST_ID
    return isinstance(value, str) and _UNSTORABLE.search(value) is not None


async def _decoded_body(request: Request[Any, Any, Any]) -> Iterable[tuple[str, Any]]:
    media_type = request.content_type[0]
    if media_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return (await request.form()).multi_items()
    if not says_json(media_type):
        return ()
    try:
        body = await request.json()
    except (SerializationException, UnicodeDecodeError, RecursionError):
        raise Problem(400, "Bad request", "The body is not valid JSON in UTF-8.", name="bad-request") from None
    return body.items() if isinstance(body, dict) else [("body", body)]


async def check_inputs(request: Request[Any, Any, Any]) -> None:
    """The app's `before_request`: refuse what no handler should see (see the module's notes)."""
    if any(_names_nothing(value) for value in request.path_params.values()):
        raise Problem(404, "Not found", "Nothing can be found at this address.", name="not-found")
    if _reads_json(request.route_handler) and _has_body(request) and not says_json(request.headers.get("content-type")):
        raise unsupported_media_type()
    for fields in (request.query_params.multi_items(), await _decoded_body(request)):
        found = first_unacceptable(fields)
        if found is not None:
            raise unacceptable_problem(found)
