"""Building control service module for civicshare: site inspection requests."""

from civicshare_building_control.module import module

__all__ = ["module"]
