"""Open311 GeoReport v2 for each council (jurisdiction_id = the council's slug).

`service.py` maps GeoReport parameters to a service's answers and reads service requests back without
personal fields; `routes.py` is the `/open311/v2/` router. Errors here use GeoReport's own format
(`[{"code": 400, "description": "..."}]`), not problem+json, because Open311 clients expect it.
"""
