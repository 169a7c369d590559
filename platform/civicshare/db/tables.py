"""Every table the core declares, imported in one place so the metadata is complete before use."""

from civicshare.savings import tables as savings_tables
from civicshare.tenancy import tables as tenancy_tables
from civicshare.transactions import tables as transaction_tables

__all__ = ["savings_tables", "tenancy_tables", "transaction_tables"]
