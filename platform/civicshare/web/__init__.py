"""Residents' pages: each council's own branded website on the shared platform, styled with GOV.UK Frontend.

`routes.py` holds the handlers, `templates/` the Jinja2 pages and the GOV.UK component macros,
`static/` the Sass and JavaScript sources (built by `make assets` into `static/dist/`).
"""
