"""The built stylesheet and script (static/dist/, made by `make assets`), served from memory.

File names carry a content hash, so they are cached for a year; a Brotli copy made when loaded, or the
gzip copy made at build time, is sent to browsers that accept it (the app's compression leaves these
answers alone: `NO_COMPRESSION`). Without a build the pages still render (unstyled) and a warning
says how to build.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import brotli

log = logging.getLogger(__name__)

DIST = Path(__file__).parent / "static" / "dist"
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
ONE_YEAR = "public, max-age=31536000, immutable"
NO_COMPRESSION = "no_compression"
"""Route option: the answer is already compressed (or not worth it); the app's compression skips it."""


@dataclass(frozen=True)
class AssetFile:
    body: bytes
    gzipped: bytes | None
    media_type: str
    brotli: bytes | None = None

    def encoded(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The smallest copy this browser accepts, and its content-encoding."""
        if self.brotli is not None and "br" in accept_encoding:
            return self.brotli, "br"
        if self.gzipped is not None and "gzip" in accept_encoding:
            return self.gzipped, "gzip"
        return self.body, None


@dataclass(frozen=True)
class BuiltAssets:
    """Logical name (`civicshare.css`) to hashed name, and the hashed files themselves."""

    names: dict[str, str] = field(default_factory=dict)
    files: dict[str, AssetFile] = field(default_factory=dict)

    @property
    def built(self) -> bool:
        return bool(self.names)

    def url(self, logical_name: str) -> str | None:
        hashed = self.names.get(logical_name)
        return f"/assets/{hashed}" if hashed else None


def load_assets(directory: Path = DIST) -> BuiltAssets:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        log.warning("council website assets are not built: run `make assets` (npm ci && npm run build)")
        return BuiltAssets()
    names: dict[str, str] = json.loads(manifest.read_text())
    files: dict[str, AssetFile] = {}
    for hashed in names.values():
        path = directory / hashed
        gzipped = path.with_name(path.name + ".gz")
        body = path.read_bytes()
        files[hashed] = AssetFile(
            body=body,
            gzipped=gzipped.read_bytes() if gzipped.is_file() else None,
            media_type=MEDIA_TYPES[path.suffix],
            brotli=brotli.compress(body, quality=11),
        )
    return BuiltAssets(names=names, files=files)
