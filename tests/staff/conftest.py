"""The dev identity's people and councils with organizations, as the staff API's tests use them."""

from tests.auth.conftest import council, dev_identity

__all__ = ["council", "dev_identity"]
