"""The back office: council officers' pages under `/staff/` on the council's own address, and the staff
JSON API (transactions, savings, webhooks)."""
