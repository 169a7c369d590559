"""GeoReport v2's two formats: every answer is a `Document` rendered as XML (the specification's required
format, shaped as its examples) or JSON, by the extension of the path (`services.xml`, `services.json`).

In XML a list is a root element holding one element per entry (`<services><service>…`), a nested list
the same (`<attributes><attribute>…`, `<values><value>…`); true and false are `true`/`false`, and an
empty value is an empty element. In JSON the same data is a list or an object, as the specification shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from litestar import Response

Format = Literal["xml", "json"]
XML = "text/xml; charset=utf-8"
JSON = "application/json"
MEDIA_TYPES: dict[Format, str] = {"xml": "text/xml", "json": "application/json"}

# The element each entry of a list is, by the list's element.
_ENTRY = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


@dataclass(frozen=True)
class Document:
    """One GeoReport answer: `root` names its XML root element; `body` is the data (a list or an object)."""

    root: str
    body: Sequence[Mapping[str, Any]] | Mapping[str, Any]


def format_of(path: str) -> Format | None:
    """The format a path asks for by its extension; None when it names none this endpoint offers."""
    last = path.rstrip("/").rpartition("/")[2]
    extension = last.rpartition(".")[2] if "." in last else ""
    return extension if extension in ("xml", "json") else None  # type: ignore[return-value]


# Characters XML 1.0 cannot carry at all (text typed elsewhere may hold them): left out of XML answers.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_IN_XML.sub("", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        entry = _ENTRY[element.tag]
        for item in value:
            _fill(SubElement(element, entry), item)
    else:
        element.text = _text(value)


def as_xml(document: Document) -> bytes:
    root = Element(document.root)
    _fill(root, document.body)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def render(
    document: Document, fmt: Format, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response[Any]:
    if fmt == "xml":
        return Response(as_xml(document), status_code=status_code, media_type=MEDIA_TYPES["xml"], headers=headers)
    return Response(document.body, status_code=status_code, media_type=JSON, headers=headers)


def errors_document(status: int, descriptions: Sequence[str]) -> Document:
    return Document("errors", [{"code": status, "description": description} for description in descriptions])


_OPEN311_PATH = re.compile(r"^(/t/[^/]+)?/open311(/|$)")


def encoded(document: Document, fmt: Format) -> tuple[bytes, str]:
    """The body and content type, for an answer sent before the application (council resolution)."""
    if fmt == "xml":
        return as_xml(document), XML
    return json.dumps(document.body).encode(), JSON


def error_body_for_path(path: str, status: int, description: str) -> tuple[bytes, str] | None:
    """A council-resolution error for a path under `/open311/`, in GeoReport's format; None elsewhere."""
    if not _OPEN311_PATH.match(path):
        return None
    return encoded(errors_document(status, [description]), format_of(path) or "xml")
