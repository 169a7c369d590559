"""Control-plane tables of identity: browser sessions (schema `platform`)."""

from sqlalchemy import Column, DateTime, Index, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import platform_metadata

sessions = Table(
    "sessions",
    platform_metadata,
    # SHA-256 of the secret in the cookie: a copy of this table signs nobody in.
    Column("id", String(64), primary_key=True),
    Column("subject", String(255), nullable=False),
    Column("principal", JSONB, nullable=False),
    Column("provider", String(16), nullable=False),
    # Kept for the identity provider's sign-out (id_token_hint); never sent to the browser.
    Column("id_token", Text, nullable=True),
    # Keycloak sessions: the client the person signed in with, its refresh token (never sent to the
    # browser) and when the access token runs out, so the session renews before it does.
    Column("client_id", String(255), nullable=True),
    Column("refresh_token", Text, nullable=True),
    Column("renew_at", DateTime(timezone=True), nullable=True),
    # Keycloak's own session (`sid`): signing out at one council's site ends it on every council's site.
    Column("provider_session", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_subject", "subject"),
    Index("ix_sessions_expires_at", "expires_at"),
    Index("ix_sessions_provider_session", "provider_session"),
)
