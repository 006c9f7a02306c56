"""docker-compose.yml describes the same stack for people with Docker (no engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("registry", "scoring", "certification", "trade", "reporting")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def kafka_version_in_pom() -> str:
    pom = (ROOT / "deploy" / "kafka" / "pom.xml").read_text()
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert match
    return match.group(1)


def test_every_service_is_declared_with_a_health_check() -> None:
    services = compose()["services"]
    assert set(services) >= {"kafka", "postgres", "s3", "keycloak", "gateway", "console", *APP_SERVICES}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name


def test_infrastructure_images_and_ports_match_the_local_stack() -> None:
    services = compose()["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version_in_pom()}"
    assert services["s3"]["image"].startswith("versity/versitygw:")
    assert "minio" not in services["s3"]["image"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "127.0.0.1:9092:9092" in services["kafka"]["ports"]
    assert "127.0.0.1:9000:9000" in services["s3"]["ports"]
    assert "127.0.0.1:5432:5432" in services["postgres"]["ports"]
    assert "127.0.0.1:8000:8000" in services["gateway"]["ports"]
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    for name in APP_SERVICES:
        assert f"ocop_{name}" in init, f"database for {name} not created"


def test_app_services_can_scale() -> None:
    """`docker compose up --scale trade=3` needs no fixed names and no host ports."""
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert "container_name" not in service, name
        assert "ports" not in service, name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["command"] == ["run", "--mode", "kafka", name]
        env = service["environment"]
        assert env["OCOP_MODE"] == "kafka"
        assert env["OCOP_HTTP_HOST"] == "0.0.0.0"
        assert env["OCOP_KAFKA_BOOTSTRAP"] == "kafka:19092"
        conditions = {dep: spec["condition"] for dep, spec in service["depends_on"].items()}
        assert conditions == {"kafka": "service_healthy", "postgres": "service_healthy",
                              "s3": "service_healthy", "keycloak": "service_healthy"}
        assert "/health/ready" in " ".join(service["healthcheck"]["test"])


def test_gateway_routes_every_service_by_prefix() -> None:
    conf = (ROOT / "deploy" / "gateway.conf").read_text()
    assert "registry|scoring|certification|trade|reporting" in conf
    assert "resolver 127.0.0.11" in conf, "replicas must be re-resolved"
    assert "rewrite" not in conf, "services serve their API under /<service>/"
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "constraints.txt" in dockerfile and 'ENTRYPOINT ["ocop"]' in dockerfile


def test_people_sign_in_through_the_same_keycloak_realm_as_the_local_stack() -> None:
    services = compose()["services"]
    common = (ROOT / "deploy" / "lib" / "common.sh").read_text()
    version = re.search(r"KEYCLOAK_VERSION=\$\{OCOP_STACK_KEYCLOAK_VERSION:-([^}]+)\}", common)
    assert version
    keycloak = services["keycloak"]
    assert keycloak["image"] == f"quay.io/keycloak/keycloak:{version.group(1)}"
    assert "--import-realm" in keycloak["command"]
    assert any(v.startswith("./deploy/keycloak/ocop-realm.json:") for v in keycloak["volumes"])
    assert "127.0.0.1:8180:8080" in keycloak["ports"]
    # tokens name the address browsers use; containers fetch keys at the internal one
    issuer = f"{keycloak['environment']['KC_HOSTNAME']}/realms/ocop"
    for name in (*APP_SERVICES, "console"):
        env = services[name]["environment"]
        assert env["OCOP_OIDC_ISSUER"] == issuer, name
        assert env["OCOP_OIDC_INTERNAL_URL"] == "http://keycloak:8080/realms/ocop", name
        assert "OCOP_JWT_SECRET" not in env and env["OCOP_ENV"] == "development", name
    assert services["console"]["command"] == ["run", "--mode", "kafka", "console"]
    assert services["console"]["environment"]["OCOP_API_URL"] == "http://gateway:8000"
    assert "console" in (ROOT / "deploy" / "gateway.conf").read_text()
