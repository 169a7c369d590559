"""Webhooks as the platform's settings configure them."""

from __future__ import annotations

from civicshare.notifications.webhooks.secrets import SecretBox
from civicshare.notifications.webhooks.targets import TargetPolicy
from civicshare.settings import Mode, Settings


def target_policy(settings: Settings) -> TargetPolicy:
    """Production: https to public addresses only. Development: anything, loopback included, unless
    CIVICSHARE_WEBHOOK_ALLOW_PRIVATE_TARGETS=false asks for the production rule on addresses."""
    production = settings.mode is Mode.PRODUCTION
    allow_private = settings.webhook_allow_private_targets
    if allow_private is None:
        allow_private = not production
    return TargetPolicy(allow_private=allow_private, require_https=production)


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret_key.get_secret_value())
