"""The fleet `civicshare fleet` starts on one machine, for a person to try: the embedded PostgreSQL,
PgBouncer, the migrations and councils from tenants/, app nodes on consecutive ports and a job worker.

More services (a read replica, an S3-compatible store) go in `services`: each is started after PgBouncer
and before the migrations and nodes, and the settings its `start` returns reach every node and worker
(a replica part returns CIVICSHARE_DATABASE_REPLICA_URL, finding its primary in the environment it is
given, CIVICSHARE_DATABASE_DIRECT_URL; a storage part returns CIVICSHARE_STORAGE_URL). A part is any
object with `name`, `start`, `running` and `stop` (civicshare.fleet.parts.Part).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from civicshare.fleet.database import EmbeddedPostgres, PgBouncer
from civicshare.fleet.parts import Part, Together
from civicshare.fleet.processes import AppNode, JobWorker, OneOffCommand


def local_fleet(
    data_dir: Path,
    *,
    first_port: int = 8000,
    nodes: int = 2,
    workers_per_node: int = 1,
    job_workers: int = 1,
    services: Sequence[Part] = (),
    environment: Mapping[str, str] | None = None,
) -> list[Part]:
    """The parts in the order they start. `services` (replica, storage...) come after PgBouncer."""
    log_dir = data_dir / "fleet-logs"
    shared = {"CIVICSHARE_DATA_DIR": str(data_dir), **(environment or {})}
    preparation: list[Part] = [
        OneOffCommand("migrations", ["migrate"], log_dir, environment=shared),
        OneOffCommand("councils", ["tenants", "sync"], log_dir, environment=shared),
    ]
    processes: list[Part] = [
        AppNode(f"node-{number + 1}", first_port + number, log_dir, workers=workers_per_node, environment=shared)
        for number in range(nodes)
    ]
    processes += [JobWorker(f"job-worker-{number + 1}", log_dir, environment=shared) for number in range(job_workers)]
    return [EmbeddedPostgres(data_dir), PgBouncer(), *services, *preparation, Together("platform", processes)]
