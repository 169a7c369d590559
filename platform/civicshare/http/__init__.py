"""HTTP basics every layer may use (kernel): RFC 9457 problem responses and reading an ASGI scope."""
