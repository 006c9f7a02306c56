"""The consumer core on a real SQLite database and the real embedded log:
inbox deduplication, bounded retry, dead letters, and infrastructure outages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, String, Table, func, insert, select
from sqlalchemy.exc import OperationalError

from ocop_shared.aggregate import Aggregate
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import EntityRegistered, ProductRegistered, read_event, topics
from ocop_shared.contracts.common import LegalForm
from ocop_shared.contracts.registry_events import EntityRegisteredPayload, ProductRegisteredPayload
from ocop_shared.db.engine import create_engine, new_metadata, session_factory
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.embedded import EmbeddedLog, EmbeddedProducer
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.processor import EventProcessor, Outcome
from ocop_shared.messaging.retry import Backoff
from ocop_shared.messaging.tables import add_messaging_tables
from ocop_shared.messaging.transport import InboundMessage

CLOCK = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
effects = Table("effects", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("product_id", String(36), nullable=False))


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}")
        self.sessions = session_factory(self.engine)
        self.log = EmbeddedLog(tmp_path / "bus.sqlite3")

    async def open(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await self.log.open()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, outbox_table=outbox, inbox_table=inbox, clock=CLOCK,
                          producer="test")

    def processor(self, handler: Any, attempts: int = 3) -> EventProcessor:
        return EventProcessor("testgroup", {ProductRegistered: handler}, self.uow,
                              EmbeddedProducer(self.log), max_attempts=attempts,
                              backoff=Backoff(base_seconds=0.001, max_seconds=0.01))

    async def effect_count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(effects)) or 0)

    async def inbox_count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)


@pytest.fixture
async def world(tmp_path: Path) -> Any:
    w = World(tmp_path)
    await w.open()
    yield w
    await w.log.close()
    await w.engine.dispose()


def message(offset: int = 0, product_id: str = "p1", trace: str | None = None) -> InboundMessage:
    event = new_event(
        ProductRegistered,
        ProductRegisteredPayload(product_id=product_id, entity_id="e1", name="Khô cá lóc",
                                 product_set_no=8, commune_code="30280", province_code="89"),
        aggregate_id=product_id, aggregate_version=1, producer="registry", clock=CLOCK)
    headers = {"traceparent": f"00-{trace}-{offset + 1:016x}-01"} if trace else {}
    return InboundMessage(topic=topics.PRODUCT, partition=0, offset=offset, key=product_id,
                          value=event.to_json_bytes(), headers=headers)


async def record_effect(event: ProductRegistered, uow: UnitOfWork) -> None:
    await uow.session.execute(insert(effects).values(product_id=event.payload.product_id))


async def test_a_redelivered_event_has_its_effect_once(world: World) -> None:
    processor = world.processor(record_effect)
    msg = message()
    assert await processor.process(msg) is Outcome.PROCESSED
    assert await processor.process(msg) is Outcome.DUPLICATE
    assert await world.effect_count() == 1


async def test_a_failing_handler_is_retried_then_parked_with_the_error(world: World) -> None:
    calls = 0

    async def always_fails(event: ProductRegistered, uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        await record_effect(event, uow)
        raise ValueError("product set 8 has no sheet loaded")

    processor = world.processor(always_fails, attempts=3)
    assert await processor.process(message(offset=41)) is Outcome.DEAD_LETTERED
    assert calls == 3
    assert await world.effect_count() == 0, "the failed attempts' writes were rolled back"
    assert await world.inbox_count() == 0
    parked = await world.log.read(topics.dead_letter_topic("testgroup"), 0)
    assert len(parked) == 1
    headers = parked[0].headers
    assert headers["ocop-dlq-error"] == "ValueError: product set 8 has no sheet loaded"
    assert headers["ocop-dlq-error-kind"] == "handler_failed"
    assert headers["ocop-dlq-attempts"] == "3"
    assert headers["ocop-dlq-original-offset"] == "41"
    assert read_event(parked[0].value).payload.name == "Khô cá lóc", "original bytes kept"


async def test_a_transient_failure_succeeds_on_retry(world: World) -> None:
    calls = 0

    async def flaky(event: ProductRegistered, uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("deadlock detected")
        await record_effect(event, uow)

    assert await world.processor(flaky).process(message()) is Outcome.PROCESSED
    assert await world.effect_count() == 1


async def test_infrastructure_outages_are_waited_out_never_dead_lettered(world: World) -> None:
    calls = 0

    async def database_down(event: ProductRegistered, uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        if calls <= 6:  # more than max_attempts: still not parked
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db restarting"))
        await record_effect(event, uow)

    assert await world.processor(database_down, attempts=3).process(message()) is Outcome.PROCESSED
    assert calls == 7
    assert await world.log.read(topics.dead_letter_topic("testgroup"), 0) == []


async def test_unknown_event_types_are_skipped(world: World) -> None:
    raw = message().value.replace(b'"ProductRegistered"', b'"ProductArchived"')
    msg = InboundMessage(topic=topics.PRODUCT, partition=0, offset=0, key="p1", value=raw)
    assert await world.processor(record_effect).process(msg) is Outcome.IGNORED
    assert await world.effect_count() == 0


async def test_dead_letters_are_listed_and_replayed_after_the_cause_is_fixed(
    world: World, tmp_path: Path
) -> None:
    import asyncio

    from ocop_cli.dlq_cmd import read_dead_letters, replay_dead_letters
    from ocop_shared.messaging.embedded import EmbeddedConsumer
    from ocop_shared.messaging.transport import OutboundMessage
    from ocop_shared.settings import Settings

    broken = True

    async def needs_a_fix(event: ProductRegistered, uow: UnitOfWork) -> None:
        if broken:
            raise RuntimeError("commune 30280 missing from the unit list")
        await record_effect(event, uow)

    async def consume_until(predicate: Any) -> None:
        stop = asyncio.Event()
        consumer = EmbeddedConsumer(world.log, world.processor(needs_a_fix), [topics.PRODUCT])
        task = asyncio.create_task(consumer.run(stop))
        for _ in range(200):
            if await predicate():
                break
            await asyncio.sleep(0.02)
        stop.set()
        await task

    original = message()
    await world.log.append([OutboundMessage(original.topic, original.key or "", original.value)])

    async def parked() -> bool:
        return bool(await world.log.read(topics.dead_letter_topic("testgroup"), 0))

    await consume_until(parked)
    settings = Settings(data_dir=tmp_path)
    letters = await read_dead_letters(settings, "testgroup")
    assert [letter.header("error") for letter in letters] == [
        "RuntimeError: commune 30280 missing from the unit list"]

    broken = False
    assert await replay_dead_letters(settings, letters) == 1
    replayed = (await world.log.read(topics.PRODUCT, 0))[-1]
    assert replayed.headers["ocop-replayed-from"].startswith("ocop.dlq.testgroup@0:")

    async def applied() -> bool:
        return await world.effect_count() == 1

    await consume_until(applied)
    assert await world.effect_count() == 1


async def test_a_batch_is_applied_in_order_once_with_duplicates_inside_it_skipped(world: World) -> None:
    seen: list[str] = []

    async def in_order(event: ProductRegistered, uow: UnitOfWork) -> None:
        seen.append(event.payload.product_id)
        await record_effect(event, uow)

    processor = world.processor(in_order)
    batch = [message(offset=i, product_id=f"p{i}") for i in range(5)]
    outcomes = await processor.process_batch([*batch, batch[2]])
    assert outcomes == [Outcome.PROCESSED] * 5 + [Outcome.DUPLICATE]
    assert seen == ["p0", "p1", "p2", "p3", "p4"]
    assert (await world.effect_count(), await world.inbox_count()) == (5, 5)
    assert await processor.process_batch(batch) == [Outcome.DUPLICATE] * 5, "a redelivered batch"


async def test_each_effect_of_a_batch_goes_out_in_its_own_events_flow(world: World) -> None:
    """What a handler tracks is published in the flow of the event that caused it (its
    correlation id, causation and trace), though the batch commits once after all of them."""

    @dataclass
    class Listing(Aggregate):
        id: str
        version: int = 0

    async def lists_the_product(event: ProductRegistered, uow: UnitOfWork) -> None:
        listing = Listing(id=event.payload.product_id)
        listing.record(ProductRegistered, event.payload)
        uow.track(listing)

    causes = [message(offset=i, product_id=f"p{i}", trace=f"{i + 1:032x}") for i in range(3)]
    await world.processor(lists_the_product).process_batch(causes)
    async with world.sessions() as session:
        rows = (await session.execute(select(outbox.c.body, outbox.c.headers)
                                      .order_by(outbox.c.seq))).all()
    sent = [(read_event(body.encode()), json.loads(headers)) for body, headers in rows]
    for cause, (effect, headers) in zip(causes, sent, strict=True):
        event = read_event(cause.value)
        assert effect.payload.product_id == event.payload.product_id
        assert (effect.correlation_id, effect.causation_id) == (event.correlation_id, str(event.id))
        assert headers["traceparent"].split("-")[1] == cause.headers["traceparent"].split("-")[1]


async def test_a_failing_message_rolls_its_batch_back_then_each_goes_alone(world: World) -> None:
    async def refuses_p2(event: ProductRegistered, uow: UnitOfWork) -> None:
        await record_effect(event, uow)
        if event.payload.product_id == "p2":
            raise ValueError("p2 cannot be applied")

    processor = world.processor(refuses_p2, attempts=2)
    outcomes = await processor.process_batch([message(offset=i, product_id=f"p{i}") for i in range(4)])
    assert outcomes == [Outcome.PROCESSED, Outcome.PROCESSED, Outcome.DEAD_LETTERED, Outcome.PROCESSED]
    assert await world.effect_count() == 3, "the batch's writes were rolled back; the good ones applied once"
    parked = await world.log.read(topics.dead_letter_topic("testgroup"), 0)
    assert [read_event(p.value).payload.product_id for p in parked] == ["p2"]


async def test_a_malformed_message_in_a_batch_is_parked_and_the_rest_applied(world: World) -> None:
    processor = world.processor(record_effect)
    broken = InboundMessage(topic=topics.PRODUCT, partition=0, offset=9, key="x", value=b"{not json")
    outcomes = await processor.process_batch([message(offset=0, product_id="a"), broken,
                                              message(offset=1, product_id="b")])
    assert outcomes == [Outcome.PROCESSED, Outcome.DEAD_LETTERED, Outcome.PROCESSED]
    assert await world.effect_count() == 2


async def test_after_commit_callbacks_run_once_after_a_commit_and_never_after_a_rollback(world: World) -> None:
    heard: list[str] = []
    async with world.uow() as uow:
        await uow.session.execute(insert(effects).values(product_id="rolled back"))
        uow.after_commit("wake", lambda: heard.append("rolled back"))
    assert heard == [] and await world.effect_count() == 0

    async with world.uow() as uow:
        await uow.session.execute(insert(effects).values(product_id="p1"))
        uow.after_commit("wake", lambda: heard.append("first"))
        uow.after_commit("wake", lambda: heard.append("second registration"))
        assert heard == []
        await uow.commit()
        assert heard == ["first"]
        await uow.commit()  # nothing registered since the last commit
    assert heard == ["first"] and await world.effect_count() == 1


async def test_events_without_a_handler_are_ignored_inside_the_batch(world: World) -> None:
    """A topic carries types this consumer does not handle (the certificate topic's recognition
    decisions, for trade): they are skipped in place, the rest still applied as one batch."""
    other = new_event(EntityRegistered, EntityRegisteredPayload(
        entity_id="e1", name="HTX Châu Đốc", legal_form=LegalForm.COOPERATIVE, registration_no="1",
        commune_code="30280", province_code="89"), aggregate_id="e1", aggregate_version=1, producer="registry",
        clock=CLOCK)
    unhandled = InboundMessage(topic=topics.ENTITY, partition=0, offset=9, key="e1", value=other.to_json_bytes())
    transactions = 0

    async def counting(event: ProductRegistered, uow: UnitOfWork) -> None:
        nonlocal transactions
        transactions += uow.per_transaction(list, list) == []  # first effect of its transaction
        uow.per_transaction(list, list).append(event)
        await record_effect(event, uow)

    outcomes = await world.processor(counting).process_batch(
        [message(offset=0, product_id="a"), unhandled, message(offset=1, product_id="b")])
    assert outcomes == [Outcome.PROCESSED, Outcome.IGNORED, Outcome.PROCESSED]
    assert transactions == 1 and await world.effect_count() == 2
