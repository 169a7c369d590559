"""Parts of a back-office page rendered from the values they are given alone (a form's options, what was
typed), so a node renders each once for the same values and reuses it: the queue's filter form costs more
to render than its 25 rows, and is the same for every officer of a council who asks for the same filter.

A fragment's template sees only the values passed to it (and the environment's globals), and the values
are its key, so what is reused is exactly what rendering again would give.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from civicshare.lru import LeastRecentlyUsed

MOST_KEPT = 512  # a few kB each


def _frozen(value: Any) -> Hashable:
    """`value` as a key: a dict or a list as a tuple of its items, anything else (a string, a frozen
    dataclass, a tuple of named tuples) as it is: TypeError if it cannot be a key."""
    if isinstance(value, dict):
        return (dict, tuple((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list):
        return (list, tuple(_frozen(item) for item in value))
    hash(value)
    return value  # type: ignore[no-any-return]


class RenderedFragments:
    """The latest fragments rendered by this node, at most MOST_KEPT."""

    def __init__(self, environment: Environment, most: int = MOST_KEPT) -> None:
        self.environment = environment
        self._rendered: LeastRecentlyUsed[Hashable, Markup] = LeastRecentlyUsed(most)

    def render(self, template: str, **values: Any) -> Markup:
        key = (template, _frozen(values))
        found = self._rendered.get(key)
        if found is not None:
            return found
        rendered = Markup(self.environment.get_template(template).render(values))  # noqa: S704 - autoescaped
        return self._rendered.put(key, rendered)
