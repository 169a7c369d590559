"""The platform's subscribers (a mail provider, a webhook HTTP client) exist only where jobs run."""

from __future__ import annotations

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.settings import Settings
from civicshare.worker import register_platform_subscribers


async def test_a_serving_worker_opens_no_mail_provider_or_webhook_client(settings: Settings, database_url: str) -> None:
    services = build_services(settings, Database(make_engine(database_url, pool_size=1), database_url))
    try:
        assert services.event_subscribers == []
    finally:
        await services.database.dispose()


async def test_a_job_worker_delivers_email_and_webhooks(settings: Settings, database_url: str) -> None:
    services = build_services(settings, Database(make_engine(database_url, pool_size=1), database_url))
    try:
        register_platform_subscribers(services)
        assert [subscriber.name for subscriber in services.event_subscribers] == ["email", "webhooks"]
    finally:
        for subscriber in services.event_subscribers:
            close = getattr(subscriber, "aclose", None)
            if close is not None:
                await close()
        await services.database.dispose()
