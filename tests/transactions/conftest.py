from tests.modules_e2e.conftest import councils

__all__ = ["councils"]
