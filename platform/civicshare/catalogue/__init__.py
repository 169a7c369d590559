"""Which services a council offers, and the settings it runs each one with.

`service.py` reads module enablement (platform.tenant_modules) and shared-service group settings
(platform.group_modules) in one query, resolves them over each module's defaults with
`resolve_settings`, and keeps a short-lived copy per worker (`OfferingsCache`). `checks.py` validates
module settings written in tenants/*.toml before they are applied. `installed_modules.py` is what the
admin API checks council definitions against (known module codes, their settings). The resident API's
list of services and one service's definition are `civicshare.api.catalogue`.
"""
