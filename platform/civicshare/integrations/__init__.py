"""Interfaces to other systems' standards (Open311 GeoReport v2), built on the platform's own services."""
