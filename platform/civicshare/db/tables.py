"""Every table the core declares, imported in one place so the metadata is complete before use."""

from civicshare.tenancy import tables as tenancy_tables
from civicshare.transactions import tables as transaction_tables

__all__ = ["tenancy_tables", "transaction_tables"]
