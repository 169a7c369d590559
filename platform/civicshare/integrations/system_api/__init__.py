"""The back-office API for a council's own systems (`/api/v1/system/`), reached with a system key."""
