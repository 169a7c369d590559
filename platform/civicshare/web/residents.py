"""Who is signed in: the seam between the resident pages and the identity provider.

A resident signed in through the platform's identity provider arrives as a `SignedInResident`,
either placed in the request scope under `RESIDENT_SCOPE_KEY` by the identity layer (Keycloak
sign-in, in progress) or kept in the web session under `SESSION_KEY` (the dev identity used by
`make demo` and the tests). The pages ask `signed_in_resident` and never look anywhere else.

One account works at every council: `subject` is the identity provider's stable subject, the same
value transactions record as `resident_subject`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicshare.web.session import WebSession

RESIDENT_SCOPE_KEY = "civicshare.resident"
SESSION_KEY = "resident"
DEV_SUBJECT_PREFIX = "dev-resident:"


@dataclass(frozen=True)
class SignedInResident:
    subject: str
    name: str
    email: str

    def to_session(self) -> dict[str, str]:
        return {"subject": self.subject, "name": self.name, "email": self.email}


def signed_in_resident(scope: Any, session: WebSession) -> SignedInResident | None:
    from_identity = scope.get(RESIDENT_SCOPE_KEY)
    if isinstance(from_identity, SignedInResident):
        return from_identity
    stored = session.get(SESSION_KEY)
    if isinstance(stored, dict) and all(isinstance(stored.get(key), str) for key in ("subject", "name", "email")):
        return SignedInResident(stored["subject"], stored["name"], stored["email"])
    return None


def dev_resident(email: str, name: str) -> SignedInResident:
    """A resident of the dev identity: the subject is derived from the email, the same at every council."""
    return SignedInResident(subject=DEV_SUBJECT_PREFIX + email.strip().lower(), name=name.strip(), email=email.strip())
