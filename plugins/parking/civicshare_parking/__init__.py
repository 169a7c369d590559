"""Parking service module for civicshare: resident permits and penalty charge notices."""

from civicshare_parking.module import module

__all__ = ["module"]
