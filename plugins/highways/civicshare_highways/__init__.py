"""Highways service module for civicshare: report potholes, broken streetlights and fly-tipping."""

from civicshare_highways.module import module

__all__ = ["module"]
