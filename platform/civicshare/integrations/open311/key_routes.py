"""The staff API a council's administrators issue and revoke Open311 client keys with
(`/api/v1/staff/open311-clients`): one key per client (FixMyStreet, a 311 app), which its POSTs carry
as `api_key`. The key is in the answer that creates it and nowhere else, ever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.integrations.system_api.key_routes import admin_officer
from civicshare.policy import Permission, requires
from civicshare.systems.open311_keys import (
    NAME_MAX_LENGTH,
    Open311Client,
    council_clients,
    create_client,
    revoke_client,
)
from civicshare.transactions.views import validation_problem


class Open311ClientOut(Struct):
    """An Open311 client as its council's administrators see it: never its key."""

    id: int
    key_id: str
    name: str
    state: Literal["active", "revoked"]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedOpen311Client(Struct):
    """The new client with its `api_key`: shown this once, never again."""

    api_key: str
    client: Open311ClientOut


class NewOpen311ClientIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=NAME_MAX_LENGTH)]


def client_out(client: Open311Client) -> Open311ClientOut:
    return Open311ClientOut(
        id=client.id,
        key_id=client.key_id,
        name=client.name,
        state="revoked" if client.revoked_at is not None else "active",
        created_by=client.created_by,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
        last_used_at=client.last_used_at,
    )


@get(
    "/api/v1/staff/open311-clients",
    tags=["open311 clients"],
    summary="List the council's Open311 clients",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def list_open311_clients(
    council_admin: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> list[Open311ClientOut]:
    return [client_out(client) for client in await council_clients(tenant_db)]


@post(
    "/api/v1/staff/open311-clients",
    tags=["open311 clients"],
    summary="Issue an Open311 API key (shown once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def create_open311_client(
    data: JSONBody[NewOpen311ClientIn],
    council_admin: NamedDependency[Principal],
    tenant_db: NamedDependency[AsyncConnection],
) -> Response[CreatedOpen311Client]:
    """A key for one application that reports to the council through Open311 (FixMyStreet, a 311 app).
    Give `api_key` to the application: it is never shown again."""
    name = data.name.strip()
    if not name:
        raise validation_problem({"name": "Enter the name of the application"})
    created = await create_client(tenant_db, admin_officer(council_admin), name)
    body = CreatedOpen311Client(api_key=created.key, client=client_out(created.client))
    return Response(body, status_code=201, headers={"cache-control": "no-store"})


@post(
    "/api/v1/staff/open311-clients/{client_id:int}/revoke",
    tags=["open311 clients"],
    status_code=200,
    summary="Revoke an Open311 client's key (at once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def revoke_open311_client(
    client_id: FromPath[int], council_admin: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> Open311ClientOut:
    revoked = await revoke_client(tenant_db, admin_officer(council_admin), client_id)
    if revoked is None:
        raise Problem(
            404, "Client not found", "This council has no such Open311 client.", name="open311-client-not-found"
        )
    return client_out(revoked)


OPEN311_CLIENT_ROUTES = [list_open311_clients, create_open311_client, revoke_open311_client]
