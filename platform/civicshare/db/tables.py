"""Every table the core declares, imported in one place so the metadata is complete before use."""

from civicshare.admin import tables as admin_tables
from civicshare.casework import tables as casework_tables
from civicshare.notifications import tables as notification_tables
from civicshare.notifications.email import tables as email_tables
from civicshare.notifications.webhooks import tables as webhook_tables
from civicshare.places import tables as place_tables
from civicshare.privacy import tables as privacy_tables
from civicshare.savings import tables as savings_tables
from civicshare.systems import tables as system_tables
from civicshare.tenancy import tables as tenancy_tables
from civicshare.transactions import tables as transaction_tables

__all__ = [
    "admin_tables",
    "casework_tables",
    "email_tables",
    "notification_tables",
    "place_tables",
    "privacy_tables",
    "savings_tables",
    "system_tables",
    "tenancy_tables",
    "transaction_tables",
    "webhook_tables",
]
