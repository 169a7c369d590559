"""Route dependencies resolved one after another, not in a task group per level.

Litestar resolves a handler's dependencies level by level, and a level of two or more (a handler asking
for `tenant` and `offerings` has `tenant` and `services` at its first level) in an anyio task group, a
task each. Ours are a scope lookup, a cached read or one connection: the task group cost more than the
work (about 50 µs a request, a tenth of an Open311 service list), and nothing gains from running them
side by side.

`resolve_dependencies_in_turn` splits every level into levels of one, in the same order of levels, so
each dependency still finds those it depends on resolved before it.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute


def resolve_dependencies_in_turn(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue  # the platform's dependencies are its HTTP routes'
        for _handler, kwargs_model in route.route_handler_map.values():
            kwargs_model.dependency_batches = [
                {dependency}
                for batch in kwargs_model.dependency_batches
                for dependency in sorted(batch, key=lambda dependency: dependency.key)
            ]
