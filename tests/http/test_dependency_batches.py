"""A route's dependencies are resolved one after another, each after those it depends on."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from civicshare.http.dependency_batches import resolve_dependencies_in_turn

resolved: list[str] = []


def provide_council() -> str:
    resolved.append("council")
    return "kingston"


async def provide_services() -> str:
    resolved.append("services")
    return "services"


async def provide_offerings(council: NamedDependency[str], services: NamedDependency[str]) -> str:
    resolved.append("offerings")
    return f"{council}'s {services}"


@get("/offered", sync_to_thread=False)
def offered(council: NamedDependency[str], offerings: NamedDependency[str]) -> str:
    return f"{council}: {offerings}"


async def test_every_level_of_dependencies_is_split_into_levels_of_one_in_order() -> None:
    app = Litestar(
        [offered],
        dependencies={
            "council": Provide(provide_council, sync_to_thread=False),
            "services": Provide(provide_services),
            "offerings": Provide(provide_offerings),
        },
    )
    resolve_dependencies_in_turn(app)

    route = next(route for route in app.routes if isinstance(route, HTTPRoute) and route.path == "/offered")
    _handler, kwargs_model = route.route_handler_map["GET"]
    assert [[dependency.key for dependency in batch] for batch in kwargs_model.dependency_batches] == [
        ["council"],
        ["services"],
        ["offerings"],
    ]
    async with AsyncTestClient(app) as client:
        answer = await client.get("/offered")
    assert answer.text == "kingston: kingston's services"
    assert resolved == ["council", "services", "offerings"]
