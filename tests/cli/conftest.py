from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.cli.serving import Serving, own_data_dir, prepare_data_dir, start_serving


@pytest.fixture(scope="package")
async def serving() -> AsyncIterator[Serving]:
    """One `civicshare serve` (one worker: the default) on an embedded PostgreSQL of its own, with one
    council; tests may kill its workers or its database, and each leaves it serving again."""
    with own_data_dir() as data_dir:
        council, database_url = await prepare_data_dir(data_dir)
        serving = start_serving(data_dir)
        serving.council, serving.database_url = council, database_url
        yield serving
        serving.stop()
