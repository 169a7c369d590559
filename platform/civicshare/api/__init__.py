"""The resident API (transactions, the catalogue of services, sign-in) and what every HTTP interface
shares: dependencies, CSRF, input checks, error handlers, OpenAPI. Problem responses themselves are the
kernel's (`civicshare.http`), so every layer can raise them."""
