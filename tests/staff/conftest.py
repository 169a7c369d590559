"""The dev identity's people and councils with organizations, and a real Chromium for the back office's
browser tests (the resident site's fixtures)."""

from tests.auth.conftest import council, dev_identity

__all__ = ["council", "dev_identity"]
