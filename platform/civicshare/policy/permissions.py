"""What a route may need: the platform's named permissions."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """Everything a route can ask for. `PUBLIC` and `SIGNED_IN` need no role; the rest are granted by
    roles in `civicshare.policy.grants.GRANTS`."""

    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed-in"  # any signed-in person, for their own things (my requests, who am I)

    # At one council, for its members (and its system keys) only.
    VIEW_REQUESTS = "view-requests"
    CHANGE_REQUESTS = "change-requests"
    SUBMIT_FOR_RESIDENTS = "submit-for-residents"
    VIEW_SAVINGS = "view-savings"
    EDIT_SAVINGS_INPUTS = "edit-savings-inputs"  # offline counts, contact log, unit costs, baselines
    CLOSE_SAVINGS_MONTHS = "close-savings-months"  # sign a month's figures off (reopening is the platform's)
    MANAGE_TEAM = "manage-team"
    MANAGE_COUNCIL = "manage-council"  # emails to residents, response templates, what staff did
    MANAGE_INTEGRATIONS = "manage-integrations"  # webhooks, system keys, failed deliveries

    # On the platform's own surfaces (admin API, /ops), never at a council's address.
    VIEW_PLATFORM = "view-platform"
    OPERATE_PLATFORM = "operate-platform"


COUNCIL_PERMISSIONS = frozenset(
    {
        Permission.VIEW_REQUESTS,
        Permission.CHANGE_REQUESTS,
        Permission.SUBMIT_FOR_RESIDENTS,
        Permission.VIEW_SAVINGS,
        Permission.EDIT_SAVINGS_INPUTS,
        Permission.CLOSE_SAVINGS_MONTHS,
        Permission.MANAGE_TEAM,
        Permission.MANAGE_COUNCIL,
        Permission.MANAGE_INTEGRATIONS,
    }
)
PLATFORM_PERMISSIONS = frozenset({Permission.VIEW_PLATFORM, Permission.OPERATE_PLATFORM})

# A team limited to some services (or a system key limited to some) holds these only for those services;
# the check is per request, once its service is known: `civicshare.policy.may_work_on`.
SERVICE_SCOPED = frozenset({Permission.VIEW_REQUESTS, Permission.CHANGE_REQUESTS, Permission.SUBMIT_FOR_RESIDENTS})
