"""The Kubernetes manifests (infra/k8s) and the image definition (infra/container) are checked offline:
every resource against Kubernetes' own schemas, and every name they take from the platform (commands,
settings, health paths, files copied) against the platform itself, so a renamed command or setting breaks
here rather than in a council's cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

import civicshare.cli as cli
from civicshare.health.routes import healthz, readyz
from civicshare.identity.keycloak_server import KEYCLOAK_VERSION
from civicshare.settings import PROJECT_ROOT, Settings

K8S = PROJECT_ROOT / "infra" / "k8s"
KUBERNETES_VERSION = "1.33"
MADE_BY_OPERATORS = {"civicshare-secrets", "keycloak-secrets", "pgbouncer-users", "civicshare-tls"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [document for name in kustomization["resources"] for document in documents(K8S / name)]


def containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if resource["kind"] in ("Deployment", "Job") else {}
    return list(pod.get("containers", []))


def test_the_kustomization_lists_every_manifest_in_the_folder() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("resource", resources(), ids=lambda r: f"{r['kind']}/{r['metadata']['name']}")
def test_each_resource_is_valid_kubernetes(resource: dict[str, Any]) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_the_platforms_containers_run_real_commands_with_real_settings() -> None:
    commands = set(cli.main.commands)
    settings = {f"CIVICSHARE_{name.upper()}" for name in Settings.model_fields}
    used = [c for r in resources() for c in containers(r) if c["image"] == "civicshare"]
    assert {c["args"][0] for c in used} == {"serve", "worker", "migrate"} <= commands
    config = next(r for r in resources() if r["kind"] == "ConfigMap" and r["metadata"]["name"] == "civicshare-settings")
    assert set(config["data"]) <= settings, set(config["data"]) - settings
    for container in used:
        assert {e["name"] for e in container.get("env", [])} <= settings


def secrets_named(node: Any) -> set[str]:
    """The names of the Secrets a manifest reads (env, envFrom, volumes, ingress TLS)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("secretKeyRef", "secretRef"):
                found.add(value["name"])
            elif key == "secretName":
                found.add(value)
            else:
                found |= secrets_named(value)
    elif isinstance(node, list):
        for item in node:
            found |= secrets_named(item)
    return found


def test_the_secrets_read_are_the_ones_the_readme_tells_operators_to_make() -> None:
    assert secrets_named(resources()) == MADE_BY_OPERATORS
    readme = (K8S / "README.md").read_text()
    assert all(f"`{secret}`" in readme for secret in MADE_BY_OPERATORS)


def test_probes_ask_the_platforms_own_health_paths() -> None:
    web = next(r for r in resources() if r["metadata"]["name"] == "civicshare-web" and r["kind"] == "Deployment")
    (container,) = containers(web)
    assert container["livenessProbe"]["httpGet"]["path"] in healthz.paths
    assert container["readinessProbe"]["httpGet"]["path"] in readyz.paths


def test_the_image_copies_only_what_the_repository_has() -> None:
    for containerfile in (PROJECT_ROOT / "infra").glob("*/Containerfile"):
        for line in containerfile.read_text().splitlines():
            if line.startswith("COPY ") and "--from=" not in line:
                for source in line.split()[1:-1]:
                    assert (PROJECT_ROOT / source).exists(), f"{containerfile}: {source}"


def test_the_keycloak_image_is_the_version_the_tests_run() -> None:
    containerfile = (PROJECT_ROOT / "infra" / "keycloak" / "Containerfile").read_text()
    assert f"quay.io/keycloak/keycloak:{KEYCLOAK_VERSION}\n" in containerfile
