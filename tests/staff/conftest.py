"""The dev identity's people and councils with organizations, and a real Chromium for the back office's
browser tests (the resident site's fixtures)."""

from tests.auth.conftest import council, dev_identity
from tests.web.conftest import browser, page

__all__ = ["browser", "council", "dev_identity", "page"]
