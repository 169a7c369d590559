"""Waste service module for civicshare: missed bins, new bins and garden waste subscriptions."""

from civicshare_waste.module import module

__all__ = ["module"]
