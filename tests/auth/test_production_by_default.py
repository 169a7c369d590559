"""A deployment that never says which mode it runs in gets production's behaviour: no dev identity to
hand out tokens, and no header that lets an anonymous request play a role."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.settings import IdentityProvider, Mode, Settings
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, host_for


@pytest.fixture(scope="module")
def keycloak_deployment(
    settings: Settings, database: Database, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedPlatform]:
    with pytest.MonkeyPatch.context() as environment:
        environment.delenv("CIVICSHARE_MODE", raising=False)
        deployment = Settings(
            database_url=database_url,
            data_dir=tmp_path_factory.mktemp("deployment"),
            tenants_dir=settings.tenants_dir,
            secret_key="a-private-secret-of-this-deployment-0123456789",
            identity_provider=IdentityProvider.KEYCLOAK,
            keycloak_url="http://127.0.0.1:9",  # nothing answers: no test here needs Keycloak itself
            keycloak_provisioner_secret="s" * 32,
            log_format="console",
        )
    assert deployment.mode is Mode.PRODUCTION
    platform = ServedPlatform(deployment, database_url)
    platform.start()
    yield platform
    platform.stop()


async def test_no_dev_identity_tokens_and_no_dev_role_header_when_the_mode_is_not_set(
    keycloak_deployment: ServedPlatform, make_council: CouncilFactory
) -> None:
    slug = (await make_council()).slug
    async with httpx.AsyncClient(base_url=keycloak_deployment.url, timeout=30) as http:
        token = await http.post("/dev-identity/token", json={"email": "olu.operator@civicshare.example"})
        assert token.status_code == 404
        assert (await http.get("/dev-identity/jwks.json")).status_code == 404
        for role in ("platform-operator", "council-admin"):
            claimed = {"X-Civicshare-Dev-Role": role}
            overview = await http.get("/ops/savings/overview", headers=claimed)
            assert overview.status_code == 401, overview.text
            report = await http.get("/api/v1/savings/report", headers={**host_for(slug), **claimed})
            assert report.status_code == 401, report.text
            imported = await http.post(
                "/api/v1/savings/offline-contacts",
                content="date,service,channel,count\n2025-01-06,report-pothole,phone,5\n",
                headers={**host_for(slug), **claimed, "content-type": "text/csv"},
            )
            assert imported.status_code in (401, 403), imported.text
