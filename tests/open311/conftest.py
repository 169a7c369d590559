"""Open311 clients' keys, issued as a council administrator issues them (the domain function behind the
staff API; `test_fixmystreet_client.py` goes through the API itself)."""

from __future__ import annotations

from civicshare.casework.service import Officer
from civicshare.db.engine import Database, tenant_connection
from civicshare.systems.open311_keys import create_client
from tests.support import tenant_context_for


async def client_key(database: Database, slug: str, name: str = "FixMyStreet") -> str:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        created = await create_client(connection, Officer("admin@example.org", "Council admin"), name)
    return created.key
