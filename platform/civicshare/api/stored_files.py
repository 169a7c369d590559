"""Answering with a stored file (`civicshare.storage`), streamed from whichever store keeps it."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from litestar.response import Stream

from civicshare.storage import OpenedFile


def stored_file_response(
    opened: OpenedFile,
    media_type: str,
    *,
    filename: str | None = None,
    disposition: Literal["attachment", "inline"] = "attachment",
    headers: dict[str, str] | None = None,
) -> Stream:
    """The file's bytes as they come from the store, never the whole file in memory."""
    sent = {"content-length": str(opened.size), "x-content-type-options": "nosniff", **(headers or {})}
    if filename is not None:
        plain = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
        sent["content-disposition"] = f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    elif disposition == "inline":
        sent["content-disposition"] = "inline"
    return Stream(opened.chunks, media_type=media_type, headers=sent)
