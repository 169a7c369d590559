"""Identity: the platform's shared Keycloak realm (or the demo's dev identity), tokens, sessions, guards.

What other parts use:

- ``principal.Principal``: subject, email, name, roles (``Role``), councils {slug: organization id},
  ``via`` (bearer, session, api-key); ``is_operator``, ``is_resident``, ``is_staff_of(slug)``,
  ``is_admin_of(slug)``.
- Dependencies registered by the app factory (see ``guards``, and ``civicshare.api.csrf``): ``principal``,
  ``resident_principal``, ``signed_in``, ``staff``, ``council_admin``, ``operator``, ``csrf_token``,
  ``csrf_checked``.
- ``directory.IdentityDirectory``: the port (Keycloak in ``keycloak_directory``, demo in
  ``dev_identity``), chosen in ``provider.build_identity`` by ``settings.identity_provider``;
  ``directory.IdentityLifecycleHook`` keeps organizations in step with councils
  (``civicshare.tenancy.lifecycle``).
- Running and provisioning Keycloak itself: ``keycloak_server`` and ``keycloak_admin``.
"""
