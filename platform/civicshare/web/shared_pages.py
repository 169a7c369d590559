"""Pages every anonymous visitor of a council sees alike (its home page), rendered once per worker.

Such a page differs from one visit to the next only by the request's CSP nonce, so it is rendered with a
mark where the nonce goes and kept split at the marks; each visit joins the parts with its own nonce. A
kept page is used only while everything it was rendered from is the same: the caller names that
(`shown`: the council as the directory has it now, its logo's address, the listings and shortcuts...),
and it is compared on every use, so a page is never older than the caches it was made from. Nothing is
shared between councils: pages are kept by council id and site root.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from civicshare.lru import LeastRecentlyUsed

# Not a character sequence a template could write by itself.
NONCE_MARK = f"csp-nonce-{secrets.token_hex(16)}"
KEPT_PAGES = 1024  # a home page is some 20 kB


@dataclass(frozen=True)
class _Kept:
    shown: tuple[Any, ...]
    parts: tuple[str, ...]


class SharedPages:
    """The worker's rendered shared pages, by (template, council, root); least recently used forgotten."""

    def __init__(self, kept: int = KEPT_PAGES) -> None:
        self._pages: LeastRecentlyUsed[Hashable, _Kept] = LeastRecentlyUsed(kept)

    def __len__(self) -> int:
        return len(self._pages)

    def page(
        self, key: Hashable, shown: tuple[Any, ...], render: Callable[[str], str], nonce: Callable[[], str]
    ) -> str:
        """The page kept under `key` if it was rendered from `shown`, else `render(NONCE_MARK)`, kept;
        with this request's nonce where the mark is."""
        kept = self._pages.get(key)
        if kept is None or not _same(kept.shown, shown):
            kept = self._pages.put(key, _Kept(shown, tuple(render(NONCE_MARK).split(NONCE_MARK))))
        parts = kept.parts
        return parts[0] if len(parts) == 1 else nonce().join(parts)


def _same(kept: tuple[Any, ...], shown: tuple[Any, ...]) -> bool:
    # The same object is the same (the caches hand out the object they keep); otherwise equal values.
    return len(kept) == len(shown) and all(a is b or a == b for a, b in zip(kept, shown, strict=True))
