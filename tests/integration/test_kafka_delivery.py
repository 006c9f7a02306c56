"""Delivery guarantees on the real stack: each service its own process, Kafka between them.

- the chain ProductSubmitted -> Scored -> Certified -> catalog entry runs end to end;
- a consumer SIGKILLed between its database commit and its offset commit has its effect once;
- the broker restarted while a service publishes loses nothing and duplicates no effect;
- a malformed message is parked on the dead-letter topic with its error, and the next one runs.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from helpers import COMMUNE_CHAU_DOC, ROOT, PrefixRouter, api, run_chain, submit_product, tax_code, wait_until
from ocop_cli.api_client import GRANTS_REACH
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.contracts import read_event, topics
from ocop_shared.messaging.kafka_tools import read_topics_from_start

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


async def start(deployment: Deployment, *services: str, **env: str) -> dict[str, str]:
    processes = [deployment.process(name, **env).start() for name in services]
    await asyncio.gather(*(p.wait_ready() for p in processes))
    return {name: p.url for name, p in zip(services, processes, strict=True)}


async def events_on(deployment: Deployment, topic: str) -> list[object]:
    records = await read_topics_from_start(deployment.settings.kafka_access(None),
                                           [deployment.namespace + topic])
    return [read_event(r.value) for r in records]


async def test_chain_runs_across_four_processes(deployment: Deployment) -> None:
    urls = await start(deployment, "registry", "scoring", "certification", "trade")
    settings = deployment.settings
    async with httpx.AsyncClient(transport=PrefixRouter(urls), base_url="http://gateway") as c:
        ids = await run_chain(c, settings, registration_no=tax_code(1))

        async def listed() -> dict[str, object] | None:
            body = (await c.get("/trade/catalogs/province")).json()
            return next((e for e in body["entries"] if e["product_id"] == ids["product_id"]),
                        None)

        entry = await wait_until(listed, timeout=30, what="the catalog entry")
        assert entry["stars"] == 4
        verified = (await c.get(f"/certification/verify/{entry['certificate_number']}")).json()
        assert verified["status"] == "active"
    submitted = await events_on(deployment, topics.PRODUCT)
    assert [e.type for e in submitted] == ["ProductRegistered", "ProductSubmitted"]  # type: ignore[attr-defined]
    assert [e.aggregate_version for e in submitted] == [1, 2]  # type: ignore[attr-defined]
    # One flow, one correlation id, each event caused by the one before it.
    certified = next(e for e in await events_on(deployment, topics.CERTIFICATE)
                     if e.type == "Certified")  # type: ignore[attr-defined]
    scored = next(e for e in await events_on(deployment, topics.EVALUATION)
                  if e.type == "Scored")  # type: ignore[attr-defined]
    assert certified.causation_id == str(scored.id)  # type: ignore[attr-defined]
    assert certified.correlation_id == scored.correlation_id  # type: ignore[attr-defined]
    for process in deployment.processes:
        # uvicorn re-raises the SIGTERM it handled once shutdown is complete
        assert process.terminate() in (0, -15)
        assert "stopped cleanly" in process.log_path.read_text(), process.args


async def test_consumer_killed_between_db_commit_and_offset_commit(
    deployment: Deployment,
) -> None:
    urls = await start(deployment, "registry", "scoring", "trade")
    certification = deployment.process("certification").start()
    await certification.wait_ready()
    urls["certification"] = certification.url
    async with httpx.AsyncClient(transport=PrefixRouter(urls), base_url="http://gateway") as c:
        # the grants first: every service copies them, and the failpoint must strike the
        # certificate, not the copying of a grant
        ocop = api(c)
        await ocop.office()
        await ocop.commune_officer(COMMUNE_CHAU_DOC)
        await ocop.until_known(f"xa-{COMMUNE_CHAU_DOC}@ocop.angiang.gov.vn", "commune_officer",
                               GRANTS_REACH)
        certification.terminate()
        certification.start({"OCOP_FAILPOINTS": "consumer.after_db_commit:certification"})
        await certification.wait_ready()
        ids = await run_chain(c, deployment.settings, registration_no=tax_code(2), decide=False)
        assert await certification.wait_exit(timeout=30) == -9, "killed at the failpoint"
        assert await deployment.fetchval(
            "certification", "SELECT count(*) FROM results_awaiting_decision WHERE product_id = $1",
            ids["product_id"]) == 1, "the result awaiting its decision was committed before the crash"

        certification.start({"OCOP_FAILPOINTS": ""})
        await certification.wait_ready()
        await ocop.decide_when_awaiting(ids["product_id"])

    async def redelivered_and_skipped() -> bool:
        skipped = await deployment.fetchval(
            "certification", "SELECT count(*) FROM inbox WHERE consumer = 'certification' "
            "AND event_type = 'Scored'")
        listed = await deployment.fetchval(
            "trade", "SELECT count(*) FROM catalog_items WHERE product_id = $1",
            ids["product_id"])
        return skipped == 1 and listed == 1

    await wait_until(redelivered_and_skipped, timeout=30, what="the catalog entry")
    # Give the restarted consumer time to (re)read the Scored event; it must change nothing.
    await asyncio.sleep(2)
    assert await deployment.fetchval(
        "certification", "SELECT count(*) FROM certificates WHERE product_id = $1",
        ids["product_id"]) == 1
    certified = [e for e in await events_on(deployment, topics.CERTIFICATE)
                 if e.type == "Certified"]  # type: ignore[attr-defined]
    assert len(certified) == 1, "no second Certified event after the redelivery"


async def test_broker_restart_while_publishing_loses_and_duplicates_nothing(
    deployment: Deployment,
) -> None:
    urls = await start(deployment, "registry", "scoring")
    settings = deployment.settings
    total = 45
    async with httpx.AsyncClient(base_url=urls["registry"], timeout=30) as c:
        ocop = api(c, settings)
        await ocop.open_round("AG-2026-R2")
        entity = await ocop.register_entity(
            name="DNTN Đường thốt nốt Bảy Núi", legal_form="enterprise_private",
            registration_no=tax_code(3), commune_code="30544")

        async def submit(n: int) -> str:
            done = await ocop.submit_product_of(
                entity, entity_name="DNTN Đường thốt nốt Bảy Núi", commune="30544",
                product_name=f"Đường thốt nốt loại {n}", product_set_no=4,
                round_id="AG-2026-R2")
            return done.product_id

        first = [await submit(n) for n in range(total // 3)]
        restart = subprocess.Popen([str(ROOT / "deploy" / "stack.sh"), "restart", "kafka"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        rest = [await submit(n) for n in range(total // 3, total)]
        assert await asyncio.to_thread(restart.wait, 180) == 0, "broker restart failed"
    products = set(first + rest)

    async def all_published() -> bool:
        unsent = await deployment.fetchval(
            "registry", "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return unsent == 0

    await wait_until(all_published, timeout=120, interval=1, what="the outbox to drain")

    async def all_evaluated() -> bool:
        return await deployment.fetchval("scoring", "SELECT count(*) FROM evaluations") == total

    await wait_until(all_evaluated, timeout=120, interval=1, what="every evaluation")
    delivered = [e for e in await events_on(deployment, topics.PRODUCT)
                 if e.type == "ProductSubmitted"]  # type: ignore[attr-defined]
    assert {e.payload.product_id for e in delivered} == products  # type: ignore[attr-defined]
    assert await deployment.fetchval(
        "scoring", "SELECT count(DISTINCT product_id) FROM evaluations") == total
    processed = await deployment.fetchval(
        "scoring", "SELECT count(*) FROM inbox WHERE event_type = 'ProductSubmitted'")
    assert processed == total, "each submission's effect happened exactly once"


async def test_malformed_message_is_dead_lettered_and_the_next_processed(
    deployment: Deployment,
) -> None:
    urls = await start(deployment, "registry", "scoring")
    producer = AIOKafkaProducer(**deployment.settings.kafka_access(None).aiokafka(),
                                enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(deployment.namespace + topics.PRODUCT,
                                     b'{"type": "ProductSubmitted", "payload": 42}', key=b"p-bad")
    finally:
        await producer.stop()
    async with httpx.AsyncClient(base_url=urls["registry"], timeout=30) as c:
        ids = await submit_product(c, deployment.settings, registration_no=tax_code(4),
                                   product_name="Gạo Nàng Nhen", product_set_no=3)
    product = ids["product_id"]

    async def evaluated() -> bool:
        return await deployment.fetchval(
            "scoring", "SELECT count(*) FROM evaluations WHERE product_id = $1", product) == 1

    await wait_until(evaluated, timeout=30, what="the valid submission's evaluation")
    letters = await read_topics_from_start(
        deployment.settings.kafka_access(None),
        [deployment.namespace + topics.dead_letter_topic("scoring")])
    assert len(letters) == 1
    assert letters[0].value == b'{"type": "ProductSubmitted", "payload": 42}'
    assert letters[0].headers["ocop-dlq-error-kind"] == "malformed"
    assert letters[0].headers["ocop-dlq-original-topic"] == topics.PRODUCT
    assert "id: Field required" in letters[0].headers["ocop-dlq-error"]

    listing = subprocess.run(
        [sys.executable, "-m", "ocop_cli.main", "dlq", "list", "--mode", "kafka"],
        env={**deployment.env("scoring"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert "Dead letters (1)" in listing.stdout
    assert "malformed" in listing.stdout and "Field required" in listing.stdout


async def test_a_service_started_during_a_broker_outage_comes_up_when_the_broker_does(
        deployment: Deployment) -> None:
    stack = str(ROOT / "deploy" / "stack.sh")
    await asyncio.to_thread(subprocess.run, [stack, "stop", "kafka"], check=True, capture_output=True)
    try:
        trade = deployment.process("trade").start()
        await asyncio.sleep(8)
        assert trade.proc is not None and trade.proc.poll() is None, "it waits instead of exiting"
        assert "waiting for the broker" in trade.log_path.read_text()
    finally:
        await asyncio.to_thread(subprocess.run, [stack, "start", "kafka"], check=True, capture_output=True)
    await trade.wait_ready(timeout=120)


async def test_a_batch_claims_its_events_in_one_statement_once_each_on_postgresql(
        deployment: Deployment) -> None:
    """The batched inbox on PostgreSQL: an event twice in one batch, and one already processed
    by an earlier batch, are claimed once."""
    from datetime import UTC, datetime

    from ocop_shared.clock import ManualClock
    from ocop_shared.db.engine import create_engine, new_metadata, session_factory
    from ocop_shared.messaging.inbox import first_deliveries
    from ocop_shared.messaging.tables import add_messaging_tables

    _, inbox = add_messaging_tables(metadata := new_metadata())
    engine = create_engine(deployment.database_url("trade"),
                           password=deployment.settings.database_password_for("trade"))
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            first = await first_deliveries(session, inbox, consumer="g", clock=clock,
                                           events=[("e1", "T"), ("e2", "T"), ("e1", "T")])
        async with sessions() as session, session.begin():
            second = await first_deliveries(session, inbox, consumer="g", clock=clock,
                                            events=[("e2", "T"), ("e3", "T")])
        async with sessions() as session, session.begin():
            other_group = await first_deliveries(session, inbox, consumer="h", clock=clock,
                                                 events=[("e1", "T")])
        assert (first, second, other_group) == ({"e1", "e2"}, {"e3"}, {"e1"})
    finally:
        await engine.dispose()
