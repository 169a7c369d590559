"""SVG logos by parsing, not by pattern: a council's logo is served from its own host, so it must hold
nothing a browser would run or fetch.

The upload is parsed (defusedxml: no DOCTYPE, no entities), every element and attribute is judged by
its namespace and local name, and what is stored is re-serialised from the allow-list alone. Anything
active (a script, a handler, embedded foreign content, an animation, a link that is not to a fragment of
the logo itself, a stylesheet reaching outside) refuses the upload, with the reason; harmless extras an
editor leaves (metadata, its own namespaces, data- attributes, comments) are dropped quietly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # only to build the tree; parsing is defusedxml's
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Refused wherever they appear, whatever their namespace: each can run code or bring in content.
ACTIVE_ELEMENTS = frozenset(
    {
        "script", "foreignObject", "iframe", "object", "embed", "handler", "listener",
        "animate", "set", "animateMotion", "animateTransform", "animateColor", "discard",
    }
)  # fmt: skip
ALLOWED_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
        "polyline", "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop",
        "clipPath", "mask", "pattern", "style", "image", "switch", "a",
        "filter", "feGaussianBlur", "feOffset", "feBlend", "feColorMatrix", "feComposite", "feFlood",
        "feMerge", "feMergeNode", "feMorphology", "feDropShadow",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx",
        "ry", "fx", "fy", "d", "points", "viewBox", "preserveAspectRatio", "transform", "version",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
        "color", "display", "visibility", "overflow", "clip-path", "clip-rule", "mask", "filter",
        "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
        "letter-spacing", "word-spacing", "text-decoration", "dx", "dy", "rotate", "textLength",
        "lengthAdjust", "startOffset", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform",
        "clipPathUnits", "maskUnits", "maskContentUnits", "filterUnits", "primitiveUnits", "in", "in2",
        "result", "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type",
        "flood-color", "flood-opacity", "radius", "role", "aria-label", "aria-hidden", "focusable",
        "vector-effect", "shape-rendering", "text-rendering", "image-rendering", "color-interpolation-filters",
        "href",
    }
)  # fmt: skip
# An image may only carry a raster picture inline; every other link must point inside the logo.
_INLINE_RASTER = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
# CSS that reaches outside the logo or runs script: url() of anything but a fragment, @import, and the
# old script-carrying extensions.
_ACTIVE_CSS = re.compile(
    r"@import|url\s*\(\s*(?![\"']?\s*#)|expression\s*\(|javascript:|-moz-binding|behavior\s*:", re.IGNORECASE
)
_QUOTES = {'"': "&quot;"}
_CONTROL = re.compile(r"[\x00-\x20]")


class ActiveSvg(Exception):
    """An SVG that holds something a browser would run or fetch; the message says what."""


class NotSvg(Exception):
    """Not a well-formed SVG document."""


def _split(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return None, name


def _link_is_local(value: str, element: str) -> bool:
    # Browsers drop tabs, newlines and spaces from URLs: "java\tscript:" is "javascript:".
    target = _CONTROL.sub("", value)
    if target.startswith("#") and len(target) > 1:
        return True
    return element == "image" and bool(_INLINE_RASTER.match(value.strip()))


def _check_css(text: str, where: str) -> None:
    if _ACTIVE_CSS.search(text):
        raise ActiveSvg(f"has a stylesheet in {where} that imports or links outside the logo")


def _clean_attributes(source: ET.Element, local: str) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in source.attrib.items():
        namespace, attribute = _split(name)
        if attribute.lower().startswith("on"):
            raise ActiveSvg(f"has an event handler ({attribute}) on <{local}>")
        if attribute == "href" and namespace in (None, XLINK_NS):
            if not _link_is_local(value, local):
                raise ActiveSvg(f"has a link on <{local}> to something outside the logo ({value[:60]!r})")
            kept["href"] = value  # xlink:href becomes SVG 2's plain href, which every browser reads
        elif namespace == XML_NS and attribute == "space":
            kept[name] = value
        elif namespace is None and attribute in ALLOWED_ATTRIBUTES:
            if attribute == "style":
                _check_css(value, f"a style attribute on <{local}>")
            kept[attribute] = value
    return kept


def _clean(source: ET.Element) -> ET.Element | None:
    """The element rebuilt from the allow-list, or None to drop it (with its children)."""
    namespace, local = _split(source.tag) if isinstance(source.tag, str) else (None, "")
    if local in ACTIVE_ELEMENTS:
        raise ActiveSvg(f"has a <{local}> element, which can run script or bring in other content")
    if namespace != SVG_NS or local not in ALLOWED_ELEMENTS:
        for child in source:  # dropped, but still refused if anything inside is active
            _clean(child)
        return None
    cleaned = ET.Element(f"{{{SVG_NS}}}{local}", _clean_attributes(source, local))
    cleaned.text = source.text
    if local == "style" and source.text:
        _check_css(source.text, "a <style> element")
    for child in source:
        kept = _clean(child)
        if kept is not None:
            kept.tail = child.tail
            cleaned.append(kept)
    return cleaned


def sanitise_svg(content: bytes) -> bytes:
    """The logo re-serialised from its allowed parts. Raises ActiveSvg or NotSvg."""
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ActiveSvg("declares a DOCTYPE or entities, which a logo never needs") from error
    except (ParseError, ValueError) as error:
        raise NotSvg(f"is not well-formed XML ({error})") from error
    try:
        cleaned = _clean(root)
    except RecursionError:
        raise NotSvg("is nested too deeply to be a logo") from None
    if cleaned is None or _split(root.tag) != (SVG_NS, "svg"):
        raise NotSvg('has no <svg> root in the SVG namespace (xmlns="http://www.w3.org/2000/svg")')
    cleaned.attrib = {"xmlns": SVG_NS, **cleaned.attrib}
    return "".join(_written(cleaned)).encode()


def _written(element: ET.Element) -> list[str]:
    """Our own writer: the allow-listed tree as plain SVG, every name ours, every value escaped."""
    _, local = _split(str(element.tag))
    attributes = "".join(
        f' {"xml:" + _split(name)[1] if name.startswith("{") else name}="{escape(value, _QUOTES)}"'
        for name, value in element.attrib.items()
    )
    parts = [f"<{local}{attributes}>", escape(element.text or "")]
    for child in element:
        parts += _written(child)
        parts.append(escape(child.tail or ""))
    parts.append(f"</{local}>")
    return parts
