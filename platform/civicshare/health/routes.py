from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from civicshare.db.embedded import restarting_note
from civicshare.health.checks import check_readiness
from civicshare.http.problems import PROBLEM_JSON, Problem
from civicshare.policy import PUBLIC
from civicshare.services import PlatformServices


@get("/healthz", sync_to_thread=False, tags=["operations"], opt=PUBLIC)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/readyz", tags=["operations"], opt=PUBLIC)
async def readyz(services: NamedDependency[PlatformServices]) -> Response[Any]:
    """The database is reachable and the control plane and every council's schema are migrated."""
    readiness = await check_readiness(services.database.engine)
    body = {
        "database": readiness.database,
        "platform_revision": readiness.platform_revision,
        "platform_current": readiness.platform_current,
        "councils_behind": readiness.councils_behind,
        "modules": [module.code for module in services.registry.modules],
        # A plugin that failed to load does not make the platform unready: its services are simply absent.
        "plugins_not_loaded": [{"name": p.name, "reason": p.reason} for p in services.registry.problems],
    }
    if readiness.ready:
        return Response({"status": "ready", **body})
    restarting = restarting_note(services.settings.data_dir)  # the supervisor is starting the embedded one again
    detail = (
        restarting
        or readiness.problem
        or (
            "The control plane is not migrated: run `civicshare migrate`."
            if readiness.database and not readiness.platform_current
            else f"Councils not at the current schema revision: {', '.join(readiness.councils_behind)}"
            if readiness.councils_behind
            else "The database cannot be reached."
        )
    )
    problem = Problem(503, "Not ready", detail, name="not-ready", extra=body)
    return Response(problem.encoded("/readyz"), status_code=503, media_type=PROBLEM_JSON)
