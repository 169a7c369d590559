"""The two kinds of tables: the control plane (schema `platform`) and each council's own schema.

Tenant tables are declared once against the placeholder schema `tenant`, a schema that never exists:
a statement that reaches PostgreSQL without being routed to a council fails instead of reading
anything. Routing happens through `schema_translate_map` (see `civicshare.db.tenant_connection`).
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import MetaData

PLATFORM_SCHEMA = "platform"
TENANT_SCHEMA_PLACEHOLDER = "tenant"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

platform_metadata = MetaData(schema=PLATFORM_SCHEMA, naming_convention=NAMING_CONVENTION)
tenant_metadata = MetaData(schema=TENANT_SCHEMA_PLACEHOLDER, naming_convention=NAMING_CONVENTION)


def tenant_schema_name(slug: str) -> str:
    """The PostgreSQL schema of a council: `tenant_` and its slug with hyphens as underscores."""
    return "tenant_" + slug.replace("-", "_")


def routed_schema_of(execution_options: Mapping[str, Any]) -> str | None:
    """The council schema a connection's execution options route its tenant tables to; None if none."""
    schema = (execution_options.get("schema_translate_map") or {}).get(TENANT_SCHEMA_PLACEHOLDER)
    return schema if isinstance(schema, str) else None
