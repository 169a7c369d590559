"""Identity: the platform's shared Keycloak realm (or the demo's dev identity), tokens, sessions, who is signing in.

What other parts use:

- ``principal.Principal``: subject, email, name, roles (``Role``), councils {slug: organization id},
  ``via`` (bearer, session, api-key); ``actor``, the person as the access policy (``civicshare.policy``)
  sees them: what they may do where is the policy's decision alone.
- Registered by the app factory from the interface layer (``civicshare.api.authentication`` and
  ``civicshare.api.csrf``): the dependencies ``principal``, ``resident_principal``, ``signed_in``,
  ``staff``, ``council_admin``, ``operator`` (the person the policy's guard admitted for the route's
  declared permission), ``csrf_token``, ``csrf_checked``, and ``PersonAuthenticator`` (who a person is,
  for the policy's guard, ``Credential.PERSON``).
- ``directory.IdentityDirectory``: the port (Keycloak in ``keycloak_directory``, demo in
  ``dev_identity``), chosen in ``provider.build_identity`` by ``settings.identity_provider``;
  ``directory.IdentityLifecycleHook`` keeps organizations in step with councils
  (``civicshare.tenancy.lifecycle``).
- Running and provisioning Keycloak itself: ``keycloak_server`` and ``keycloak_admin`` (each council's own
  sign-in client, carrying its branding for the login theme in infra/keycloak/themes).
- ``sessions``: browser sessions; Keycloak sessions keep the refresh token server-side and renew before
  the access token expires (``api.authentication.renewed``); sign-out ends every site's session that
  shares the identity provider's session (``end_sessions_sharing``).
"""
