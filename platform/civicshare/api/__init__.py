"""What every HTTP interface shares: problem responses (RFC 9457) and request identity."""
