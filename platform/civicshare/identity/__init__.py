"""Identity: the platform's shared Keycloak realm and the tools that run and provision it."""
