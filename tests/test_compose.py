"""docker-compose.yml describes the same stack for people with Docker, with the same
least-privilege setup as deploy/stack.sh (no engine runs here: the file is read, and the
scripts it runs are run where they can be)."""

from __future__ import annotations

# Over 400 lines: one file per deployment description, its checks read it top to bottom.
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509

from ocop_shared.settings import CREDENTIAL_SETTINGS, Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_DIR = ROOT / "deploy" / "compose"
APP_SERVICES = ("registry", "scoring", "certification", "trade", "reporting")
ONE_SHOTS = ("secrets-init", "postgres-init", "kafka-provision", "s3-accounts")
PROVISIONING = ("postgres-init", "kafka-provision", "s3-accounts")
SECRETS_TARGET = "/run/secrets/ocop"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def kafka_version_in_pom() -> str:
    pom = (ROOT / "deploy" / "kafka" / "pom.xml").read_text()
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert match
    return match.group(1)


def common_sh(name: str) -> str:
    """A setting of deploy/lib/common.sh (its default, for NAME=${OCOP_...:-default})."""
    match = re.search(rf'^{name}=("?)([^"\n#]*)\1', (ROOT / "deploy" / "lib" / "common.sh").read_text(), re.M)
    assert match, name
    value = match.group(2).strip()
    default = re.fullmatch(r"\$\{\w+:-([^}]*)\}", value)
    return default.group(1) if default else value


def secret_mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's mounts of the `secrets` volume, in long syntax (short syntax: whole volume)."""
    found = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            if source == "secrets":
                found.append({"source": source, "target": target, "read_only": mode == ["ro"], "volume": {}})
        elif volume["source"] == "secrets":
            found.append(volume)
    return found


def subpaths(service: dict[str, Any]) -> dict[str, str | None]:
    """target -> subpath (None: the whole volume) of the service's secrets mounts."""
    return {m["target"]: (m.get("volume") or {}).get("subpath") for m in secret_mounts(service)}


def properties(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def broker_config() -> dict[str, str]:
    """What deploy/compose/kafka-start.sh gives the broker: the template, its listener lines
    replaced by deploy/compose/kafka.properties."""
    template = properties((ROOT / "deploy" / "kafka" / "server.properties.in").read_text())
    return {**template, **properties((COMPOSE_DIR / "kafka.properties").read_text())}


def listeners(value: str) -> dict[str, tuple[str, int]]:
    found = {}
    for item in value.split(","):
        name, address = item.split("://")
        host, port = address.rsplit(":", 1)
        found[name] = (host, int(port))
    return found


def test_every_service_is_declared_with_a_health_check() -> None:
    services = compose()["services"]
    assert set(services) >= {"kafka", "postgres", "s3", "keycloak", "gateway", "console", *APP_SERVICES,
                             *ONE_SHOTS}
    for name, service in services.items():
        if name in ONE_SHOTS:  # runs to completion; others wait for its exit code, not its health
            assert service["restart"] == "no", name
            continue
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name
        assert not service["healthcheck"].get("disable"), name


def test_infrastructure_images_and_ports_match_the_local_stack() -> None:
    services = compose()["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version_in_pom()}"
    versitygw = f"versity/versitygw:{common_sh('VERSITYGW_VERSION')}"
    assert services["s3"]["image"] == services["s3-accounts"]["image"] == versitygw
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["postgres-init"]["image"] == services["postgres"]["image"]
    assert services["kafka"]["ports"] == ["127.0.0.1:9092:9092"]
    assert services["s3"]["ports"] == ["127.0.0.1:9000:9000"]
    assert services["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert "127.0.0.1:8000:8000" in services["gateway"]["ports"]


def test_no_credential_is_written_in_the_compose_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "minioadmin" not in text.lower()
    for script in COMPOSE_DIR.iterdir():
        assert "minioadmin" not in script.read_text().lower(), script
    # The only inline credentials left are the local Keycloak realm's (deploy/keycloak/ocop-realm.json)
    # and Keycloak's own bootstrap administrator: the development realm, not the platform's.
    allowed = {("console", "OCOP_OIDC_CONSOLE_CLIENT_SECRET"), ("keycloak", "KC_BOOTSTRAP_ADMIN_PASSWORD")}
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if (re.search(r"PASSWORD|SECRET", key) and not key.endswith(("_FILE", "_DIR"))
                    and (name, key) not in allowed):
                pytest.fail(f"{name}: {key}={value!r} is a credential written in docker-compose.yml")
            assert str(value).lower() != "trust", (name, key)


def test_postgres_signs_every_login_in_with_scram() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    env = postgres["environment"]
    assert env["POSTGRES_HOST_AUTH_METHOD"] == "scram-sha-256"
    assert "POSTGRES_PASSWORD" not in env
    assert env["POSTGRES_PASSWORD_FILE"] == f"{SECRETS_TARGET}/postgres/superuser"
    assert subpaths(postgres) == {f"{SECRETS_TARGET}/postgres": "postgres"}
    assert "trust" not in env["POSTGRES_INITDB_ARGS"]
    assert set(re.findall(r"--auth[a-z-]*=(\S+)", env["POSTGRES_INITDB_ARGS"])) == {"scram-sha-256"}
    command = postgres["command"]
    assert "password_encryption=scram-sha-256" in command
    # pg_hba.conf comes from the repository, not the data volume (an old volume's trust cannot stay)
    assert "hba_file=/etc/ocop/pg_hba.conf" in command
    assert "./deploy/compose/pg_hba.conf:/etc/ocop/pg_hba.conf:ro" in postgres["volumes"]
    rules = [line.split() for line in (COMPOSE_DIR / "pg_hba.conf").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert rules and all(rule[-1] == "scram-sha-256" for rule in rules), rules
    assert {rule[0] for rule in rules} == {"local", "host"}


def test_postgres_init_makes_a_role_and_a_database_per_service_as_the_stack_does() -> None:
    services = compose()["services"]
    init = services["postgres-init"]
    assert init["entrypoint"] == ["bash", "/opt/ocop/deploy/compose/postgres-init.sh", SECRETS_TARGET]
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    script = (COMPOSE_DIR / "postgres-init.sh").read_text()
    # the same SQL as deploy/stack.sh: deploy/lib/pg.sh's functions, for deploy/lib/secrets.sh's services
    for function in ("pg_create_roles", "pg_create_databases"):
        assert re.search(rf"^{function}$", script, re.M), function
    pg = (ROOT / "deploy" / "lib" / "pg.sh").read_text()
    for function in ("pg_create_roles", "pg_create_databases", "pg_adopt"):
        assert re.search(rf"^{function}\(\)", pg, re.M), f"deploy/lib/pg.sh has no {function}"
    assert "REVOKE ALL ON DATABASE $db FROM PUBLIC" in pg
    assert "CREATE DATABASE $db OWNER $s" in pg
    secrets = (ROOT / "deploy" / "lib" / "secrets.sh").read_text()
    listed = re.search(r'^SECRET_SERVICES="([^"]+)"', secrets, re.M)
    assert listed and tuple(listed.group(1).split()) == APP_SERVICES


def test_kafka_clients_speak_sasl_ssl_and_acls_decide() -> None:
    services = compose()["services"]
    kafka = services["kafka"]
    config = broker_config()
    bound = listeners(config["listeners"])
    advertised = listeners(config["advertised.listeners"])
    protocols = dict(item.split(":") for item in config["listener.security.protocol.map"].split(","))
    assert set(protocols) == set(bound)
    # clients: TLS + SCRAM; the broker's own listeners only on the container's loopback
    assert protocols["CLIENT"] == protocols["HOST"] == "SASL_SSL"
    for name, (host, _port) in bound.items():
        if protocols[name] != "SASL_SSL":
            assert host == "127.0.0.1", f"{name} ({protocols[name]}) listens beyond the container's loopback"
    assert all(protocols[name] != "PLAINTEXT" for name in bound)
    assert config["controller.listener.names"] in bound and bound[config["controller.listener.names"]][0] == "127.0.0.1"
    assert config["inter.broker.listener.name"] in bound
    # only SASL_SSL listeners are published to the host
    for mapping in kafka["ports"]:
        host_ip, _host_port, container_port = mapping.split(":")
        assert host_ip == "127.0.0.1"
        exposed = [name for name, (_h, port) in bound.items() if port == int(container_port)]
        assert exposed and all(protocols[name] == "SASL_SSL" for name in exposed), mapping
    # the addresses clients are given: kafka:19092 in the network, 127.0.0.1:9092 from the host
    assert advertised["CLIENT"] == ("kafka", 19092) and bound["CLIENT"][1] == 19092
    assert advertised["HOST"] == ("127.0.0.1", 9092)
    for name in ("CLIENT", "HOST"):
        assert f"listener.name.{name.lower()}.scram-sha-512.sasl.jaas.config" in config, name
    assert config["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert config["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert config["super.users"] == "User:admin"
    assert config["allow.everyone.if.no.acl.found"] == "false"
    assert config["ssl.keystore.type"] == "PEM" and config["ssl.keystore.location"] == "@KEYSTORE@"
    # the broker's secrets: its own folder only; the administrator seeded when storage is formatted
    assert subpaths(kafka) == {f"{SECRETS_TARGET}/kafka": "kafka"}
    assert kafka["command"] == ["bash", "/opt/ocop/deploy/compose/kafka-start.sh"]
    start = (COMPOSE_DIR / "kafka-start.sh").read_text()
    assert "--add-scram \"SCRAM-SHA-512=[name=admin" in start
    assert "/run/secrets/ocop/kafka" in start and "kafka-server-start.sh" in start
    # the healthcheck signs in (SASL_SSL as admin) on the listener the services use
    health = " ".join(kafka["healthcheck"]["test"])
    assert "--bootstrap-server kafka:19092" in health
    assert "--command-config /tmp/ocop-kafka/client.properties" in health
    assert "security.protocol=SASL_SSL" in start and "ssl.truststore.location=$SECRETS/ca.pem" in start


def test_s3_accounts_per_service_and_no_default_keys() -> None:
    services = compose()["services"]
    s3, accounts = services["s3"], services["s3-accounts"]
    root_key = common_sh("S3_ROOT_ACCESS_KEY")
    assert s3["environment"] == {"ROOT_ACCESS_KEY": root_key}
    assert accounts["environment"]["ADMIN_ACCESS_KEY"] == root_key
    assert subpaths(s3) == {f"{SECRETS_TARGET}/s3": "s3"}
    start = (COMPOSE_DIR / "s3-start.sh").read_text()
    assert "--iam-dir" in start and "ROOT_SECRET_KEY=$(head -n1 \"$SECRET\")" in start
    assert s3["entrypoint"] == ["/bin/sh", "/opt/ocop/deploy/compose/s3-start.sh"]
    script = (COMPOSE_DIR / "s3-accounts.sh").read_text()
    assert "--role userplus" in script and "update-user" in script
    assert accounts["depends_on"] == {"s3": {"condition": "service_healthy"}}
    assert set(common_sh("S3_SERVICES").split()) == {"registry", "certification"}
    for name in APP_SERVICES:  # each service's bucket is <bucket>-<service>, made by its own account
        env = services[name]["environment"]
        assert env["OCOP_S3_BUCKET"] == "ocop" and env["OCOP_S3_ENDPOINT"] == "s3:9000"
        assert "OCOP_S3_ACCESS_KEY" not in env and "OCOP_S3_SECRET_KEY" not in env


def test_each_app_service_mounts_only_its_own_secrets() -> None:
    services = compose()["services"]
    whole = {name for name, service in services.items() if None in subpaths(service).values()}
    assert whole == set(ONE_SHOTS), "only the one-shot tools may mount the whole secrets volume"
    for name in APP_SERVICES:
        service = services[name]
        mounts = secret_mounts(service)
        assert subpaths(service) == {f"{SECRETS_TARGET}/{name}": name, f"{SECRETS_TARGET}/kafka": "public/kafka"}, name
        assert all(m["read_only"] for m in mounts), name
        env = service["environment"]
        assert env["OCOP_SECRETS_DIR"] == SECRETS_TARGET
        for key, value in env.items():
            if key.endswith("_FILE"):
                assert str(value).startswith(f"{SECRETS_TARGET}/{name}/"), (name, key)
        # settings derive each service's user: the URL names none
        assert "@" not in env["OCOP_POSTGRES_URL"], name
        assert Settings(mode="kafka", postgres_url=env["OCOP_POSTGRES_URL"]).database_url_for(name) == \
            f"postgresql+asyncpg://{name}@postgres:5432/ocop_{name}"
    assert services["trade"]["environment"]["OCOP_CURSOR_SECRET_FILE"] == f"{SECRETS_TARGET}/trade/cursor-secret"
    console = services["console"]
    assert subpaths(console) == {f"{SECRETS_TARGET}/console": "console"}
    assert console["environment"]["OCOP_CONSOLE_SECRET_FILE"] == f"{SECRETS_TARGET}/console/console-secret"


def test_provisioning_completes_before_the_services_start() -> None:
    services = compose()["services"]
    for name in ("kafka", "postgres", "s3"):
        assert services[name]["depends_on"] == {"secrets-init": {"condition": "service_completed_successfully"}}
    init = services["secrets-init"]
    assert init["network_mode"] == "none" and init["user"] == "0:0"
    assert init["entrypoint"] == ["bash", "/opt/ocop/deploy/compose/secrets-init.sh", SECRETS_TARGET]
    provision = services["kafka-provision"]
    assert provision["command"] == ["kafka", "provision"]
    assert provision["image"] == services["registry"]["image"]
    assert provision["environment"]["OCOP_SECRETS_DIR"] == SECRETS_TARGET
    assert provision["environment"]["OCOP_KAFKA_BOOTSTRAP"] == services["registry"]["environment"][
        "OCOP_KAFKA_BOOTSTRAP"]
    assert provision["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    for name in APP_SERVICES:
        conditions = {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}
        for one_shot in PROVISIONING:
            assert conditions.get(one_shot) == "service_completed_successfully", (name, one_shot)
    assert services["console"]["depends_on"]["secrets-init"] == {"condition": "service_completed_successfully"}


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
                              "s3": "service_healthy", "keycloak": "service_healthy",
                              **{one_shot: "service_completed_successfully" for one_shot in PROVISIONING}}
        assert "/health/ready" in " ".join(service["healthcheck"]["test"])


def test_gateway_routes_every_service_by_prefix() -> None:
    conf = (ROOT / "deploy" / "gateway.conf").read_text()
    assert "registry|scoring|certification|trade|reporting" in conf
    assert "resolver 127.0.0.11" in conf, "replicas must be re-resolved"
    assert "rewrite" not in conf, "services serve their API under /<service>/"
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "constraints.txt" in dockerfile and 'ENTRYPOINT ["ocop"]' in dockerfile
    assert "--uid 10001" in dockerfile  # secrets-init gives each service's folder to this user
    assert compose()["services"]["secrets-init"]["environment"]["OCOP_APP_UID"] == "10001"


def test_people_sign_in_through_the_same_keycloak_realm_as_the_local_stack() -> None:
    services = compose()["services"]
    keycloak = services["keycloak"]
    assert keycloak["image"] == f"quay.io/keycloak/keycloak:{common_sh('KEYCLOAK_VERSION')}"
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


def test_the_compose_scripts_parse() -> None:
    for script in sorted(COMPOSE_DIR.glob("*.sh")):
        shell = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
        assert shutil.which(shell) is not None, f"{shell} is part of the stack's requirements"
        result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, (script.name, result.stderr)


# ---- deploy/compose/secrets-init.sh, run for real into a folder ------------------------------

def run_secrets_init(folder: Path) -> None:
    result = subprocess.run(["bash", str(COMPOSE_DIR / "secrets-init.sh"), str(folder)],
                            env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def container_view(secrets: Path, service: dict[str, Any], into: Path) -> Path:
    """What a container sees at /run/secrets/ocop: its subpath mounts, copied into `into`."""
    for target, subpath in subpaths(service).items():
        assert subpath is not None
        shutil.copytree(secrets / subpath, into / Path(target).relative_to(SECRETS_TARGET))
    return into


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert shutil.which("bash") is not None, "bash is part of the stack's requirements"
    folder = tmp_path_factory.mktemp("compose") / "secrets"
    run_secrets_init(folder)
    return folder


def test_secrets_init_lays_out_the_stack_secrets_and_keeps_them(secrets: Path) -> None:
    expected = {"postgres/superuser", "s3/root-secret-key", "kafka/admin-password", "kafka/ca.pem",
                "kafka/ca-key.pem", "kafka/broker.pem", "public/kafka/ca.pem", "trade/cursor-secret",
                "console/console-secret"}
    expected |= {f"{s}/{kind}" for s in APP_SERVICES for kind in ("postgres-password", "kafka-password")}
    expected |= {f"{s}/s3-secret-key" for s in common_sh("S3_SERVICES").split()}
    files = {p.relative_to(secrets).as_posix() for p in secrets.rglob("*") if p.is_file()}
    assert files == expected
    values = {name: (secrets / name).read_bytes() for name in sorted(files)}
    for name, value in values.items():
        mode = (secrets / name).stat().st_mode & 0o777
        assert mode == (0o644 if name.endswith("ca.pem") else 0o600), (name, oct(mode))
        if "/" in name and not name.endswith(".pem"):
            assert re.fullmatch(rb"[A-Za-z0-9_-]{43}", value), name
    assert len({v for n, v in values.items() if not n.endswith(".pem")}) == len(expected) - 4, "values repeat"
    assert values["public/kafka/ca.pem"] == values["kafka/ca.pem"]
    run_secrets_init(secrets)  # a second `up`: nothing changes
    assert {name: (secrets / name).read_bytes() for name in sorted(files)} == values


def test_the_broker_certificate_names_every_address_clients_use(secrets: Path) -> None:
    chain = x509.load_pem_x509_certificates((secrets / "kafka" / "broker.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((secrets / "kafka" / "ca.pem").read_bytes())
    names = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1"}
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "kafka"}
    chain[0].verify_directly_issued_by(ca)
    assert b"PRIVATE KEY" in (secrets / "kafka" / "broker.pem").read_bytes()


def test_each_service_reads_its_own_credentials_and_no_other(secrets: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in CREDENTIAL_SETTINGS.values():
        monkeypatch.delenv(f"OCOP_{setting.upper()}", raising=False)
        monkeypatch.delenv(f"OCOP_{setting.upper()}_FILE", raising=False)
    services = compose()["services"]
    s3_services = set(common_sh("S3_SERVICES").split())
    for name in APP_SERVICES:
        view = container_view(secrets, services[name], tmp_path / name)
        settings = Settings(mode="kafka", secrets_dir=view)
        password = settings.database_password_for(name)
        assert password is not None and password.current() == (secrets / name / "postgres-password").read_text()
        access = settings.kafka_access(name)
        assert access.secured and access.username == name and access.ca_file == view / "kafka" / "ca.pem"
        assert (settings.s3_credentials(name) is not None) == (name in s3_services), name
        for other in set(APP_SERVICES) - {name}:
            assert settings.database_password_for(other) is None, (name, other)
            assert not settings.kafka_access(other).secured, (name, other)
        assert settings.postgres_admin_password() is None
        assert not settings.kafka_access(None).secured, "the Kafka administrator's password is visible"
        assert not (view / "kafka" / "ca-key.pem").exists() and not (view / "kafka" / "admin-password").exists()
        for key, value in services[name]["environment"].items():
            if key.endswith("_FILE"):
                assert (view / Path(value).relative_to(SECRETS_TARGET)).is_file(), (name, key)
    console = container_view(secrets, services["console"], tmp_path / "console")
    assert {p.name for p in console.rglob("*") if p.is_file()} == {"console-secret"}
    broker = container_view(secrets, services["kafka"], tmp_path / "kafka")
    assert {"admin-password", "broker.pem", "ca.pem"} <= {p.name for p in (broker / "kafka").iterdir()}


def test_both_renderers_fill_every_placeholder_of_the_broker_template() -> None:
    """A placeholder one renderer forgets reaches the broker as a literal @NAME@ (the single node,
    the cluster's nodes and compose's broker all render deploy/kafka/server.properties.in)."""
    template = (ROOT / "deploy" / "kafka" / "server.properties.in").read_text()
    placeholders = set(re.findall(r"@[A-Z_]+@", template))
    assert {"@NODE_ID@", "@VOTERS@", "@REPLICATION@", "@MIN_ISR@"} <= placeholders
    for renderer in (COMPOSE_DIR / "kafka-start.sh", ROOT / "deploy" / "lib" / "kafka.sh"):
        filled = set(re.findall(r"s#(@[A-Z_]+@)#", renderer.read_text()))
        assert placeholders <= filled, f"{renderer.name} leaves {sorted(placeholders - filled)}"
