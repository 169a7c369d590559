"""The demo's dev identity: demo people and councils in a JSON file, tokens signed by a local key.

It issues access tokens of the same shape as Keycloak's (RS256, ``iss``, ``aud: civicshare``,
``realm_access.roles``, ``organization: {slug: {id}}``) from an RSA key generated once under
``<data_dir>/dev-identity/``, and publishes the public key as a JWKS at ``/dev-identity/jwks.json``, so
the one ``TokenValidator`` checks both. It is for demos and development only: settings refuse it in
production mode, and its routes answer 404 there too.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from civicshare.identity.directory import CouncilOrganization, StaffMember, UnknownCouncil, check_member_role
from civicshare.identity.principal import Role

AUDIENCE = "civicshare"
TOKEN_LIFETIME_SECONDS = 300
_ORG_NAMESPACE = uuid.UUID("6f0c55a4-3f7e-4d3e-9d59-3c1c2b5e8a10")


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    roles: tuple[Role, ...]
    councils: tuple[str, ...]
    description: str


DEMO_PEOPLE = (
    DemoPerson(
        "rosa.resident@example.org", "Rosa Resident", (Role.RESIDENT,), (), "a resident; one account for every council"
    ),
    DemoPerson(
        "kit.kingston@kingston.example",
        "Kit Kingston",
        (Role.COUNCIL_STAFF,),
        ("kingston",),
        "Kingston council staff",
    ),
    DemoPerson(
        "sam.shared@eastlondon.example",
        "Sam Shared",
        (Role.COUNCIL_STAFF,),
        ("newham", "havering"),
        "shared-service staff for Newham and Havering",
    ),
    DemoPerson(
        "olu.operator@civicshare.example",
        "Olu Operator",
        (Role.PLATFORM_OPERATOR,),
        (),
        "a platform operator",
    ),
)


def organization_id(slug: str) -> str:
    return str(uuid.uuid5(_ORG_NAMESPACE, slug))


def subject_for(email: str) -> str:
    return str(uuid.uuid5(_ORG_NAMESPACE, "person:" + email.lower()))


class DevIdentity:
    """Demo people, councils as organizations, and tokens signed with a local RS256 key."""

    def __init__(self, directory: Path, issuer: str) -> None:
        self.directory = directory
        self.issuer = issuer
        self._lock = threading.Lock()
        self._private_key, self.kid = self._load_or_create_key()

    # --- keys --------------------------------------------------------------------------------------

    def _load_or_create_key(self) -> tuple[rsa.RSAPrivateKey, str]:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / "signing-key.pem"
        with self._lock:
            if not path.is_file():
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(pem)
                tmp.chmod(0o600)
                tmp.replace(path)
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        public = loaded.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return loaded, "dev-" + hashlib.sha256(public).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    async def fetch_jwks(self) -> Mapping[str, Any]:
        return self.jwks()

    # --- the store ---------------------------------------------------------------------------------

    @property
    def store_path(self) -> Path:
        return self.directory / "directory.json"

    def _read(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.store_path.read_text())
        except (OSError, ValueError):
            data = {}
        data.setdefault("organizations", {})
        people = data.setdefault("people", {})
        deleted = set(data.get("deleted", []))
        for person in DEMO_PEOPLE:
            if person.email in deleted:
                continue
            people.setdefault(
                person.email,
                {
                    "subject": subject_for(person.email),
                    "name": person.name,
                    "roles": [role.value for role in person.roles],
                    "councils": list(person.councils),
                },
            )
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        tmp = self.store_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
        tmp.replace(self.store_path)

    def people(self) -> list[dict[str, Any]]:
        with self._lock:
            data = self._read()
        described = {person.email: person.description for person in DEMO_PEOPLE}
        return [
            {"email": email, **details, "description": described.get(email, ", ".join(details["roles"]))}
            for email, details in sorted(data["people"].items(), key=lambda item: item[0] not in described)
            if not details.get("disabled")
        ]

    # --- tokens ------------------------------------------------------------------------------------

    def issue_token(self, email: str, *, lifetime_seconds: int = TOKEN_LIFETIME_SECONDS) -> str:
        """An access token for a demo person, shaped like Keycloak's with scope ``organization:*``."""
        with self._lock:
            data = self._read()
        person = data["people"].get(email.lower())
        if person is None or person.get("disabled"):
            raise LookupError(f"no demo person {email!r} (or their account is disabled)")
        organizations = data["organizations"]
        councils = {
            slug: {"id": organizations[slug]["id"]}
            for slug in person["councils"]
            if slug in organizations and organizations[slug].get("enabled", True)
        }
        now = int(time.time())
        given, _, family = person["name"].partition(" ")
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [AUDIENCE],
            "sub": person["subject"],
            "typ": "Bearer",
            "azp": "civicshare-web",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_seconds,
            "jti": uuid.uuid4().hex,
            "scope": "openid profile email organization:*",
            "email": email.lower(),
            "email_verified": True,
            "name": person["name"],
            "given_name": given,
            "family_name": family,
            "preferred_username": email.lower(),
            "realm_access": {"roles": list(person["roles"])},
        }
        if councils:
            claims["organization"] = councils
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})

    # --- IdentityDirectory -------------------------------------------------------------------------

    def _change(self, change: Any) -> Any:
        with self._lock:
            data = self._read()
            result = change(data)
            self._write(data)
            return result

    async def ensure_council(self, council: CouncilOrganization) -> str:
        def change(data: dict[str, Any]) -> str:
            data["organizations"][council.slug] = {
                "id": organization_id(council.slug),
                "name": council.name,
                "domains": sorted(council.domains),
                "enabled": council.enabled,
            }
            return organization_id(council.slug)

        return str(await asyncio.to_thread(self._change, change))

    async def allow_sign_in_from(self, origins: tuple[str, ...]) -> None:
        """Nothing to register: the dev identity sends a resident back to the host they came from."""

    async def remove_council(self, slug: str) -> bool:
        def change(data: dict[str, Any]) -> bool:
            existed = data["organizations"].pop(slug, None) is not None
            for person in data["people"].values():
                person["councils"] = [council for council in person["councils"] if council != slug]
            return existed

        return bool(await asyncio.to_thread(self._change, change))

    async def add_staff(self, slug: str, email: str, role: Role) -> str:
        role = check_member_role(role)
        email = email.lower()

        def change(data: dict[str, Any]) -> str:
            if slug not in data["organizations"]:
                raise UnknownCouncil(f"council {slug!r} has no organization; run `civicshare tenants sync`")
            person = data["people"].setdefault(
                email, {"subject": subject_for(email), "name": email.split("@")[0], "roles": [], "councils": []}
            )
            if role.value not in person["roles"]:
                person["roles"].append(role.value)
            if slug not in person["councils"]:
                person["councils"].append(slug)
            return str(person["subject"])

        return str(await asyncio.to_thread(self._change, change))

    async def add_person(self, email: str, name: str) -> str:
        """A resident's account (the demo's registration); returns its subject. Nothing changes if it exists."""
        email = email.lower()

        def change(data: dict[str, Any]) -> str:
            person = data["people"].setdefault(
                email, {"subject": subject_for(email), "name": name, "roles": [Role.RESIDENT.value], "councils": []}
            )
            return str(person["subject"])

        return str(await asyncio.to_thread(self._change, change))

    async def remove_staff(self, slug: str, email: str) -> bool:
        def change(data: dict[str, Any]) -> bool:
            person = data["people"].get(email.lower())
            if person is None or slug not in person["councils"]:
                return False
            person["councils"].remove(slug)
            return True

        return bool(await asyncio.to_thread(self._change, change))

    async def staff_of(self, slug: str) -> list[StaffMember]:
        with self._lock:
            people = self._read()["people"]
        return sorted(
            (
                StaffMember(str(person["subject"]), email, str(person.get("name") or email))
                for email, person in people.items()
                if slug in person.get("councils", [])
            ),
            key=lambda member: member.email,
        )

    async def disable_account(self, email: str) -> str | None:
        def change(data: dict[str, Any]) -> str | None:
            person = data["people"].get(email.lower())
            if person is None:
                return None
            person["disabled"] = True
            return str(person["subject"])

        found = await asyncio.to_thread(self._change, change)
        return str(found) if found is not None else None

    async def add_resident(self, email: str, name: str) -> str:
        """A resident's account (as registering would make one); their subject id. Idempotent."""

        def change(data: dict[str, Any]) -> str:
            person = data["people"].setdefault(
                email.lower(),
                {"subject": subject_for(email.lower()), "name": name, "roles": [Role.RESIDENT.value], "councils": []},
            )
            return str(person["subject"])

        return str(await asyncio.to_thread(self._change, change))

    async def delete_account(self, email: str) -> str | None:
        def change(data: dict[str, Any]) -> str | None:
            person = data["people"].pop(email.lower(), None)
            if person is None:
                return None
            data.setdefault("deleted", []).append(email.lower())  # a demo person stays deleted
            return str(person["subject"])

        found = await asyncio.to_thread(self._change, change)
        return str(found) if found is not None else None

    async def councils_of(self, email: str) -> list[str]:
        with self._lock:
            person = self._read()["people"].get(email.lower())
        return sorted(person["councils"]) if person else []
