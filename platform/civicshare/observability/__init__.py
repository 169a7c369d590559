"""Structured logs: one JSON object a line, carrying the request id and the council."""
