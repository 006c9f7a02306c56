"""An isolated deployment on the shared real stack (`make up`), with services as processes.

Tests and benchmarks share the one local Kafka, PostgreSQL and S3 server; each sandbox has
its own topic namespace, databases and bucket, so runs never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import httpx

from ocop_shared.db.postgres import admin_dsn, create_service_database, drop_database
from ocop_shared.messaging.kafka import delete_topics
from ocop_shared.messaging.transports import KafkaTransport
from ocop_shared.settings import Mode, Settings
from ocop_shared.storage.port import ObjectStore

from .api_client import poll
from .people import KeycloakPeople

ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("registry", "scoring", "certification", "trade")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_command(*args: str) -> str:
    """`deploy/stack.sh <args>` (e.g. "kill", "kafka", "2"), its output; raises if it fails."""
    done = subprocess.run([str(ROOT / "deploy" / "stack.sh"), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"deploy/stack.sh {' '.join(args)}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def pg_dsn(settings: Settings) -> str:
    """The administrator's DSN, without a database (append "/<name>")."""
    return admin_dsn(settings, database=None)


class ServiceProcess:
    """`ocop run ...` as a real child process (tests kill and restart them; benchmarks measure them)."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        self.port = int(env.get("OCOP_HTTP_PORT") or free_port())
        self.env["OCOP_HTTP_PORT"] = str(self.port)
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, extra_env: dict[str, str] | None = None) -> ServiceProcess:
        env = {**self.env, **(extra_env or {})}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ocop_cli.main", "run", *self.args],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        return self

    async def wait_ready(self, timeout: float = 60.0) -> None:
        async def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"process exited ({self.proc.returncode}); see "
                                     f"{self.log_path}:\n{self.log_path.read_text()[-3000:]}")
            try:
                async with httpx.AsyncClient() as c:
                    r = await c.get(f"{self.url}/health/ready", timeout=2)
                return r.status_code == 200
            except httpx.HTTPError:
                return False

        await poll(ready, seconds=timeout, what=f"{self.args} ready")

    async def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("process did not exit")
            await asyncio.sleep(0.1)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode



class Sandbox:
    """One isolated deployment on the shared real stack: a topic namespace, fresh databases,
    its own bucket, and service processes."""

    def __init__(self, settings: Settings, tmp_path: Path, services: Sequence[str] = SERVICE_NAMES,
                 prefix: str = "t") -> None:
        self.id = f"{prefix}{uuid.uuid4().hex[:10]}"
        self.namespace = f"{self.id}."
        self.settings = settings
        self.tmp_path = tmp_path
        self.databases = {name: f"ocop_{self.id}_{name}" for name in services}
        self.processes: list[ServiceProcess] = []

    def database_url(self, service: str) -> str:
        """What the service's process connects to: its database, as its own role (the password
        comes from the stack's secrets folder)."""
        return self.settings.model_copy(update={
            "mode": Mode.KAFKA, "database_prefix": f"ocop_{self.id}", "database_url": None,
            "database_user": None}).database_url_for(service)

    def env(self, service: str) -> dict[str, str]:
        return {
            "OCOP_MODE": "kafka",
            "OCOP_KAFKA_NAMESPACE": self.namespace,
            "OCOP_DATABASE_URL": self.database_url(service),
            "OCOP_S3_BUCKET": f"ocop-{self.id}",
            "OCOP_LOG_JSON": "false",
            "OCOP_ENV": "development",  # the local stack's development credentials
            "OCOP_OIDC_ISSUER": self.settings.provider_issuer(),
            "OCOP_SHUTDOWN_GRACE_SECONDS": "5",
            **({"OCOP_SECRETS_DIR": str(self.settings.secrets_dir)} if self.settings.secrets_dir else {}),
        }

    def people(self) -> KeycloakPeople:
        """The local stack's Keycloak; the first office grant goes into this sandbox's registry
        (when it has one: benchmarks without it publish the grant as the registry would)."""
        admin = (os.environ.get("OCOP_KEYCLOAK_ADMIN", "admin"),
                 os.environ.get("OCOP_KEYCLOAK_ADMIN_PASSWORD", "admin"))
        return KeycloakPeople(self.settings.provider_issuer(), admin=admin,
                              registry_database_url=(self.database_url("registry")
                                                     if "registry" in self.databases else None),
                              registry_password=self.settings.database_password_for("registry"))

    def process(self, service: str, **extra_env: str) -> ServiceProcess:
        process = ServiceProcess(["--mode", "kafka", service], {**self.env(service), **extra_env},
                              self.tmp_path / f"{service}-{len(self.processes)}.log")
        self.processes.append(process)
        return process

    def store(self, service: str) -> ObjectStore:
        """The service's own bucket, through its own S3 account (as its process sees it)."""
        from .platform import make_store, service_spec

        settings = self.settings.model_copy(update={"mode": Mode.KAFKA, "s3_bucket": f"ocop-{self.id}"})
        return make_store(settings, service_spec(service))

    def transport(self) -> KafkaTransport:
        return KafkaTransport(self.settings.kafka_access(None), partitions=3,
                              replication=self.settings.kafka_replication, namespace=self.namespace)

    async def create_databases(self) -> None:
        """Each service's database, owned by its role (no other role may connect to it), and the
        namespace's topics and ACLs on Kafka (each service's user, as provisioned)."""
        for service, name in self.databases.items():
            await create_service_database(self.settings, service, name)
        await self.provision_kafka()

    async def provision_kafka(self) -> None:
        from .kafka_admin import provision

        await asyncio.to_thread(provision, self.settings, self.namespace, users=False)

    async def drop_databases(self) -> None:
        for name in self.databases.values():
            await drop_database(self.settings, name)

    async def drop_topics(self) -> None:
        """Kafka keeps a run's topics and ACLs otherwise, and every later run pays for them."""
        from .kafka_admin import unprovision

        await delete_topics(self.settings.kafka_access(None), self.namespace)
        await asyncio.to_thread(unprovision, self.settings, self.namespace)

    async def drop_buckets(self) -> None:
        """Each file-keeping service's bucket, emptied and removed through its own account."""
        from ocop_shared.storage.s3 import S3ObjectStore

        from .platform import SERVICES, service_spec

        for service in self.databases:  # (a test may add a database of its own, e.g. a rebuild's)
            if service in SERVICES and service_spec(service).stores_files:
                store = self.store(service)
                if isinstance(store, S3ObjectStore):
                    await store.remove_bucket()

    async def remove(self) -> None:
        """What the run left on the shared stack: its processes, databases, topics, ACLs and
        buckets."""
        for process in self.processes:
            process.kill()
        await self.drop_databases()
        await self.drop_topics()
        await self.drop_buckets()

    async def __aenter__(self) -> Sandbox:
        await self.create_databases()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Also when the run failed: nothing it made stays on the stack."""
        await self.remove()

    async def fetchval(self, service: str, sql: str, *args: object) -> object:
        conn = await asyncpg.connect(f"{pg_dsn(self.settings)}/{self.databases[service]}")
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()
