"""Each service owns its data because nothing else can touch it — proven at the servers.

PostgreSQL: every login is SCRAM-SHA-256; each service's role owns its database and is
refused by every other one; a rotated password is picked up from its file without a restart,
losing and repeating nothing.

S3: each service that keeps files has its own account and bucket; another account can neither
read, list, overwrite nor delete what is in it; a service that keeps no files has no account.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from minio.error import S3Error
from test_trade_real_stack import certified, publish

from helpers import wait_until
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_cli.sandbox import pg_dsn
from ocop_shared.contracts import topics
from ocop_shared.db.postgres import admin_dsn, create_service_database, drop_database
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.settings import Settings
from ocop_shared.storage.s3 import S3ObjectStore

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


def password_of(settings: Settings, service: str) -> str:
    secret = settings.database_password_for(service)
    assert secret is not None, "deploy/stack.sh writes every service's password"
    return secret.current()


def dsn_as(settings: Settings, role: str, password: str, database: str) -> str:
    server = pg_dsn(settings).split("@", 1)[1]
    return f"postgresql://{role}:{password}@{server}/{database}"


async def test_postgres_lets_each_service_into_its_own_database_only(deployment: Deployment) -> None:
    settings = deployment.settings
    trade = password_of(settings, "trade")
    mine = await asyncpg.connect(dsn_as(settings, "trade", trade, deployment.databases["trade"]))
    try:
        assert await mine.fetchval("SELECT current_user") == "trade"
        assert not await mine.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = 'trade'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await mine.execute('CREATE DATABASE "not_allowed"')
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await mine.execute("CREATE ROLE intruder")
    finally:
        await mine.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="CONNECT"):
        await asyncpg.connect(dsn_as(settings, "trade", trade, deployment.databases["registry"]))
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(dsn_as(settings, "trade", "not-the-password", deployment.databases["trade"]))
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(dsn_as(settings, "postgres", "", "postgres"))
    registry = await asyncpg.connect(dsn_as(settings, "registry", password_of(settings, "registry"),
                                            deployment.databases["registry"]))
    await registry.close()


async def test_a_rotated_database_password_is_picked_up_from_its_file_without_a_restart(
        deployment: Deployment, tmp_path: Path) -> None:
    settings = deployment.settings
    role, database = f"rot_{deployment.id}", f"ocop_{deployment.id}_trade_rot"
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    admin = await asyncpg.connect(admin_dsn(settings))
    await admin.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD \'{first}\'')
    await create_service_database(settings, role, database)
    password_file = tmp_path / "trade-postgres-password"
    password_file.write_text(first + "\n")
    url = deployment.database_url("trade").replace("//trade@", f"//{role}@").replace(
        deployment.databases["trade"], database)
    process = deployment.process("trade", OCOP_DATABASE_URL=url,
                                 OCOP_DATABASE_PASSWORD_FILE=str(password_file)).start()
    try:
        await process.wait_ready()
        async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
            before = [certified(f"p-{i}", f"c-{i}", f"91-2026-{i:05d}", f"Sản phẩm {i}") for i in range(20)]
            await publish(deployment, before)

            async def listed(n: int) -> bool:
                r = await client.get("/trade/catalogs/province")
                return r.status_code == 200 and len(r.json()["entries"]) == n

            await wait_until(lambda: listed(20), what="20 products listed")

            # The role's password changes at the server; the file does not know yet.
            await admin.execute(f'ALTER ROLE "{role}" PASSWORD \'{second}\'')
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
            after = [certified(f"p-{i}", f"c-{i}", f"91-2026-{i:05d}", f"Sản phẩm {i}") for i in range(20, 40)]
            await publish(deployment, after)

            async def refused() -> bool:
                metrics = (await client.get("/metrics")).text
                return 'ocop_auth_failures_total{reason="wrong password",service="trade",system="postgres"}' in metrics

            await wait_until(refused, what="the refusal counted")
            unavailable = await client.get("/trade/catalogs/province")
            assert unavailable.status_code == 503, unavailable.text
            assert unavailable.headers["content-type"].startswith("application/problem+json")
            assert process.proc is not None and process.proc.poll() is None, "it waits, it does not exit"
            assert "refused this service (wrong password)" in process.log_path.read_text()

            password_file.write_text(second + "\n")  # the operator updates the secret
            await wait_until(lambda: listed(40), what="the 20 later products, with the new password")
        applied = await asyncpg.connect(dsn_as(settings, role, second, database))
        try:
            assert await applied.fetchval("SELECT count(*) FROM inbox") == 40, "each event applied once"
        finally:
            await applied.close()
        dead = await read_topics_from_start(settings.kafka_bootstrap,
                                            [deployment.namespace + topics.dead_letter_topic("trade")])
        assert dead == [], "a refused password is waited out, never dead-lettered"
    finally:
        process.kill()
        await drop_database(settings, database)
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()
        await asyncio.sleep(0)


async def test_s3_keeps_each_services_files_to_its_own_account(deployment: Deployment) -> None:
    settings = deployment.settings
    certification = deployment.store("certification")
    assert isinstance(certification, S3ObjectStore)
    pdf = await certification.put(io.BytesIO(b"%PDF-1.7 giay chung nhan OCOP"), "application/pdf")
    registry_credentials = settings.s3_credentials("registry")
    assert registry_credentials is not None
    # the registry's account, aimed at the certification service's bucket
    intruder = S3ObjectStore(settings.s3_endpoint, *registry_credentials, certification.bucket,
                             region=settings.s3_region)
    intruder._bucket_ready = True  # it would not be let in to check
    client = intruder._client
    for attempt, call in (
            ("overwrite", lambda: client.put_object(certification.bucket, pdf.key, io.BytesIO(b"forged"), 6)),
            ("read", lambda: client.get_object(certification.bucket, pdf.key).read()),
            ("list", lambda: list(client.list_objects(certification.bucket, recursive=True))),
            ("delete", lambda: client.remove_object(certification.bucket, pdf.key))):
        with pytest.raises(S3Error) as refused:
            await asyncio.to_thread(call)
        assert refused.value.code == "AccessDenied", attempt
    assert b"".join([chunk async for chunk in await certification.open(pdf.sha256)]) == \
        b"%PDF-1.7 giay chung nhan OCOP", "untouched"
    assert settings.s3_credentials("trade") is None, "trade keeps no files: it has no account"
    forged = S3ObjectStore(settings.s3_endpoint, "registry", "not-its-secret", certification.bucket,
                           region=settings.s3_region)
    with pytest.raises(S3Error) as refused:
        await forged.ping()
    assert refused.value.code in ("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId")
