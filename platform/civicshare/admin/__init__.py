"""The operators' admin API (/admin/v1): councils, modules, domains and branding, offboarding,
operator API keys, the audit log and usage. Every change is audited in the same transaction."""
