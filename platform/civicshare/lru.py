"""A mapping that keeps the entries used last: each node's copies of things it worked out (rendered
pages and fragments, remembered reports, statement descriptions), bounded by count."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from contextlib import suppress
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LeastRecentlyUsed(Generic[K, V]):
    """At most `most` entries; putting one more forgets the one used longest ago.

    Safe to share between threads' event loops: an entry another thread forgot meanwhile is simply missing.
    """

    def __init__(self, most: int) -> None:
        self.most = most
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The entry under `key`, now the one used last; None if there is none."""
        found = self._entries.get(key)
        if found is not None:
            with suppress(KeyError):
                self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> V:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.most:
            with suppress(KeyError):
                self._entries.popitem(last=False)
        return value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
