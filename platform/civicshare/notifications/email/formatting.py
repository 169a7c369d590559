"""Plain text and HTML from a filled-in body, GOV.UK Notify's way: short paragraphs, `# ` headings,
`^ ` insets (the reference stands out), `* ` bullets, and links for web addresses."""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

_URL = re.compile(r"https?://[^\s<>\"]+")


def plain_text(body: str) -> str:
    """What a plain-text mail reader shows: the markers taken off, an inset kept apart by its own line."""
    lines = []
    for line in body.splitlines():
        if line.startswith(("# ", "^ ")):
            line = line[2:]
        elif line.startswith("* "):
            line = "- " + line[2:]
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def _inline(text: str) -> str:
    """Escaped text with its web addresses as links."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" style="color:#1d70b8;">{url}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def html_fragment(body: str, *, accent: str) -> Markup:
    """The body as HTML paragraphs, headings, insets and lists (inline styles: mail readers drop CSS)."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", body.strip()) if block.strip()]
    parts = []
    paragraph = 'style="margin:0 0 20px 0;font-size:19px;line-height:1.32;"'
    for block in blocks:
        lines = block.splitlines()
        if len(lines) == 1 and lines[0].startswith("# "):
            parts.append(
                f'<h2 style="margin:30px 0 15px 0;font-size:24px;line-height:1.25;">{_inline(lines[0][2:])}</h2>'
            )
        elif all(line.startswith("^ ") for line in lines):
            inner = "<br>".join(_inline(line[2:]) for line in lines)
            parts.append(
                f'<p style="margin:0 0 20px 0;padding:15px;border-left:10px solid {escape(accent)};'
                f'font-size:24px;font-weight:bold;line-height:1.25;">{inner}</p>'
            )
        elif all(line.startswith("* ") for line in lines):
            items = "".join(f'<li style="margin-bottom:5px;">{_inline(line[2:])}</li>' for line in lines)
            parts.append(f'<ul style="margin:0 0 20px 0;padding-left:20px;font-size:19px;">{items}</ul>')
        else:
            parts.append(f"<p {paragraph}>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return Markup("\n".join(parts))  # noqa: S704 - every piece of text above was escaped
