"""Each service owns its data because nothing else can touch it — proven at the servers.

Kafka: every client is a SCRAM-SHA-512 user over TLS; the broker lets a service write only its
own topics and dead letters and join only its own consumer groups, and a subscriber read only
the topic groups it was given; a wrong password, a revoked subscriber and a client without TLS
are refused; a rotated password is picked up from its file, losing and repeating nothing.

PostgreSQL: every login is SCRAM-SHA-256; each service's role owns its database and is
refused by every other one; a rotated password is picked up from its file without a restart,
losing and repeating nothing.

S3: each service that keeps files has its own account and bucket; another account can neither
read, list, overwrite nor delete what is in it; a service that keeps no files has no account.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError
from confluent_kafka.admin import AclBindingFilter
from minio.error import S3Error
from test_trade_real_stack import certified, publish

from helpers import wait_until
from ocop_cli.kafka_admin import (
    KafkaAdmin,
    ProvisioningError,
    add_subscriber,
    list_subscribers,
    revoke_subscriber,
    service_bindings,
    service_needs,
)
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_cli.sandbox import pg_dsn
from ocop_shared.contracts import topics
from ocop_shared.db.postgres import admin_dsn, create_service_database, drop_database
from ocop_shared.messaging.kafka_access import KafkaAccess
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.messaging.transports import KafkaTransport
from ocop_shared.observability.refusals import KafkaAuthenticationWatcher
from ocop_shared.secrets import Secret
from ocop_shared.settings import Settings
from ocop_shared.storage.s3 import S3ObjectStore

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]
STACK_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "stack.sh"


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
        dead = await read_topics_from_start(settings.kafka_access(None),
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


# --- Kafka: SCRAM users over TLS, and ACLs the broker enforces --------------------------------

def as_user(settings: Settings, username: str, password: str) -> KafkaAccess:
    return settings.kafka_access(None).as_user(username, Secret(username, password))


async def first_message(access: KafkaAccess, topic: str, group: str) -> bytes | None:
    """Read one message of `topic` as `access`, in consumer group `group` (the broker decides)."""
    consumer = AIOKafkaConsumer(topic, group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=False, **access.aiokafka())
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=15000)
        for messages in batch.values():
            return bytes(messages[0].value or b"")
        return None
    finally:
        await consumer.stop()


async def send_one(access: KafkaAccess, topic: str) -> None:
    producer = AIOKafkaProducer(request_timeout_ms=15000, **access.aiokafka())
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"k")
    finally:
        await producer.stop()


@pytest.fixture
async def subscribers(deployment: Deployment) -> AsyncIterator[tuple[Settings, list[str]]]:
    """Subscribers provisioned in the deployment's namespace; revoked afterwards (users are
    cluster-wide)."""
    settings = deployment.settings.model_copy(update={"kafka_namespace": deployment.namespace})
    added: list[str] = []
    yield settings, added
    for name in added:
        with contextlib.suppress(ProvisioningError):
            await asyncio.to_thread(revoke_subscriber, settings, name)


async def test_a_subscriber_reads_only_the_topics_it_was_given(
        deployment: Deployment, subscribers: tuple[Settings, list[str]], caplog: pytest.LogCaptureFixture) -> None:
    settings, added = subscribers
    name = f"health-{deployment.id}"
    subscriber, password = await asyncio.to_thread(add_subscriber, settings, name, ["certification", "inspection"],
                                                   ["inspection"])
    added.append(name)
    assert [s.name for s in await asyncio.to_thread(list_subscribers, settings) if s.name == name] == [name]
    await publish(deployment, [certified("p-1", "c-1", "91-2026-00001", "Mắm cá linh")])
    access = as_user(settings, subscriber.username, password)
    ns = deployment.namespace
    certificate = await first_message(access, ns + topics.CERTIFICATE, f"{subscriber.group_prefix}.reader")
    assert certificate is not None and b"Certified" in certificate, "its own topics: read"

    await send_one(access, ns + topics.INSPECTION_FINDING)  # a department reports its findings
    for forbidden in (topics.ENTITY, topics.PRODUCT):  # the registry's, with producers' personal data
        with pytest.raises(TopicAuthorizationFailedError):
            await first_message(access, ns + forbidden, f"{subscriber.group_prefix}.reader")
    with pytest.raises(TopicAuthorizationFailedError):
        await send_one(access, ns + topics.CERTIFICATE)  # it reads certification, never writes it
    with pytest.raises(GroupAuthorizationFailedError):  # consumer groups: only its own prefix
        await first_message(access, ns + topics.CERTIFICATE, f"{ns}trade.impostor")

    await asyncio.to_thread(revoke_subscriber, settings, name)
    added.remove(name)
    assert name not in [s.name for s in await asyncio.to_thread(list_subscribers, settings)]
    # Retired, not deleted: a replayed SCRAM deletion can empty the broker's users (kafka_admin.retire_user).
    assert subscriber.username in await asyncio.to_thread(KafkaAdmin(settings).users)
    with pytest.raises(KafkaError) as revoked:
        await first_message(access, ns + topics.CERTIFICATE, f"{subscriber.group_prefix}.reader")
    assert "Unable to bootstrap" in str(revoked.value)
    assert any(KafkaAuthenticationWatcher.MARKERS[0] in r.getMessage() for r in caplog.records), \
        "the broker said why: the user is gone"


async def test_each_service_writes_only_its_own_topics(deployment: Deployment) -> None:
    settings, ns = deployment.settings, deployment.namespace
    trade = settings.kafka_access("trade")
    assert trade.secured and trade.username == "trade"
    await send_one(trade, ns + topics.CATALOG)  # its own stream
    await send_one(trade, ns + topics.dead_letter_topic("trade"))  # its own dead letters
    for forbidden in (topics.PRODUCT, topics.CERTIFICATE, topics.dead_letter_topic("scoring")):
        with pytest.raises(TopicAuthorizationFailedError):
            await send_one(trade, ns + forbidden)
    with pytest.raises(TopicAuthorizationFailedError):  # trade consumes no registry topic
        await first_message(trade, ns + topics.ENTITY, f"{ns}trade.reader")
    with pytest.raises(GroupAuthorizationFailedError):  # nor joins another service's group
        await first_message(trade, ns + topics.CERTIFICATE, f"{ns}certification")


async def test_the_broker_refuses_a_wrong_password_and_a_client_without_tls(
        deployment: Deployment, caplog: pytest.LogCaptureFixture) -> None:
    settings = deployment.settings
    with pytest.raises(KafkaError):
        await send_one(as_user(settings, "trade", "not-its-password"), deployment.namespace + topics.CATALOG)
    assert any(KafkaAuthenticationWatcher.MARKERS[0] in r.getMessage() for r in caplog.records)
    # plaintext to the TLS listener: the broker answers with a TLS alert, never with metadata
    plaintext = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await asyncio.wait_for(plaintext.start(), 30)
    await plaintext.stop()
    # TLS without the cluster's CA: the client refuses the broker's certificate
    untrusted = AIOKafkaProducer(**{**settings.kafka_access("trade").aiokafka(),
                                    "ssl_context": ssl.create_default_context()})
    with pytest.raises(KafkaError):
        await asyncio.wait_for(untrusted.start(), 30)
    await untrusted.stop()


async def broker_answers(settings: Settings) -> bool:
    try:
        await asyncio.wait_for(KafkaTransport(settings.kafka_access(None), partitions=1, replication=1).ping(), 10)
        return True
    except Exception:
        return False


async def test_a_rotated_kafka_password_is_picked_up_from_its_file_without_a_restart(
        deployment: Deployment, tmp_path: Path) -> None:
    settings, ns = deployment.settings, deployment.namespace
    user = f"rot_{deployment.id}"
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    admin = KafkaAdmin(settings)
    await asyncio.to_thread(admin.upsert_user, user, first)
    trade_needs = (await asyncio.to_thread(service_needs, ["trade"]))["trade"]
    bindings = service_bindings(ns, "trade", trade_needs, user=user)
    await asyncio.to_thread(admin.grant, bindings)
    password_file = tmp_path / "trade-kafka-password"
    password_file.write_text(first + "\n")
    process = deployment.process("trade", OCOP_KAFKA_USERNAME=user, OCOP_KAFKA_PASSWORD_FILE=str(password_file),
                                 OCOP_METRICS_INTERVAL_SECONDS="1").start()
    try:
        await process.wait_ready()
        async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
            async def listed(n: int) -> bool:
                r = await client.get("/trade/catalogs/province")
                return r.status_code == 200 and len(r.json()["entries"]) == n

            await publish(deployment, [certified(f"p-{i}", f"c-{i}", f"91-2026-{i:05d}", f"Sản phẩm {i}")
                                       for i in range(20)])
            await wait_until(lambda: listed(20), what="20 products listed")

            # The password changes at the broker; a broker restart drops every session, so the
            # service must authenticate again — with the old password, still in its file.
            await asyncio.to_thread(admin.upsert_user, user, second)
            await asyncio.to_thread(subprocess.run, [str(STACK_SCRIPT), "restart", "kafka"], check=True,
                                    capture_output=True)
            await wait_until(lambda: broker_answers(settings), what="the broker back", timeout=90)
            await publish(deployment, [certified(f"p-{i}", f"c-{i}", f"91-2026-{i:05d}", f"Sản phẩm {i}")
                                       for i in range(20, 40)])

            async def refused() -> bool:
                metrics = (await client.get("/metrics")).text
                return ('ocop_auth_failures_total{reason="authentication failed",service="trade",system="kafka"}'
                        in metrics)

            await wait_until(refused, what="the refusal counted", timeout=60)
            assert process.proc is not None and process.proc.poll() is None, "it waits, it does not exit"
            assert "the broker refused this service (authentication failed)" in process.log_path.read_text()
            assert await listed(20), "nothing of the later events applied without credentials"

            password_file.write_text(second + "\n")  # the operator updates the secret
            await wait_until(lambda: listed(40), what="the 20 later products, with the new password", timeout=90)
        applied = await asyncpg.connect(dsn_as(settings, "trade", password_of(settings, "trade"),
                                               deployment.databases["trade"]))
        try:
            assert await applied.fetchval("SELECT count(*) FROM inbox") == 40, "each event applied once"
        finally:
            await applied.close()
        dead = await read_topics_from_start(settings.kafka_access(None), [ns + topics.dead_letter_topic("trade")])
        assert dead == [], "a refused credential is waited out, never dead-lettered"
    finally:
        process.kill()
        await asyncio.to_thread(admin.revoke, [AclBindingFilter(
            b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation, b.permission_type)
            for b in bindings])
        await asyncio.to_thread(admin.retire_user, user)
