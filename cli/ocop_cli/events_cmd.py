"""`ocop events tail` — follow the platform's events the way a department system would.

Reads the topics as an outside subscriber: on Kafka without a consumer group (nothing is
committed, no service's position moves), embedded straight from the log file. Each event is
one line: when it happened (Vietnam time), its type, and the payload fields a person looks for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ocop_shared.clock import VIETNAM
from ocop_shared.contracts import read_event, topics
from ocop_shared.messaging.transport import InboundMessage
from ocop_shared.settings import Mode, Settings

app = typer.Typer(no_args_is_help=True, help="Events on the bus, as subscribers see them")
console = Console(highlight=False)

# payload fields worth a glance, in the order they are shown
HIGHLIGHTS = ("product_name", "name", "number", "stars", "level", "mean_score", "round_id",
              "case", "catalog_id", "catalog_version", "reason", "fair_name", "valid_until",
              "expired_on", "revoked_on", "decision_no", "commune_code")
COLOURS = {"Certified": "green", "CertificateRevoked": "red", "CertificateExpired": "yellow",
           "CatalogEntryRemoved": "red", "Scored": "cyan", "ProductSubmitted": "blue"}


def describe(message: InboundMessage) -> str:
    """One readable line (Rich markup) for a message, or why it cannot be read."""
    try:
        event = read_event(message.value)
    except Exception as error:  # a malformed or unknown event: say so, keep following
        return (f"[red]{escape(message.topic)}@{message.offset}: không đọc được / unreadable: "
                f"{escape(str(error).splitlines()[0][:120])}[/]")
    payload: dict[str, Any] = event.payload.model_dump(mode="json")
    shown = [f"{key}={_short(payload[key])}" for key in HIGHLIGHTS if payload.get(key) not in (None, "")]
    moment = _local(event.occurred_at)
    colour = COLOURS.get(event.type, "white")
    return (f"{moment:%d/%m/%Y %H:%M:%S} [{colour}]{event.type:<22}[/] "
            f"{escape(event.producer):<13} {escape(' '.join(shown))}")


def _short(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if " " in text else text


def _local(moment: datetime) -> datetime:
    return moment.astimezone(VIETNAM)


async def embedded_messages(settings: Settings, names: Sequence[str], from_start: bool, follow: bool,
                            interval: float = 0.5) -> AsyncGenerator[InboundMessage, None]:
    from ocop_shared.messaging.embedded import EmbeddedLog

    log = EmbeddedLog(settings.data_dir / "bus.sqlite3")
    await log.open()
    try:
        positions = {name: 0 if from_start else await _end(log, name) for name in names}
        while True:
            batch: list[InboundMessage] = []
            for name in names:
                found = await log.read(name, positions[name], limit=1000)
                if found:
                    positions[name] = found[-1].offset + 1
                batch += found
            for message in sorted(batch, key=lambda m: m.offset):
                yield message
            if not follow and not batch:
                return
            if not batch:
                await asyncio.sleep(interval)
    finally:
        await log.close()


async def _end(log: Any, name: str) -> int:
    last = 0
    while found := await log.read(name, last, limit=10_000):
        last = found[-1].offset + 1
    return last


async def kafka_messages(settings: Settings, names: Sequence[str], from_start: bool,
                         follow: bool) -> AsyncGenerator[InboundMessage, None]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(*(settings.kafka_namespace + n for n in names),
                                **settings.kafka_access(None).aiokafka(), group_id=None,
                                enable_auto_commit=False,
                                auto_offset_reset="earliest" if from_start else "latest")
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            records = [r for batch in batches.values() for r in batch]
            for record in sorted(records, key=lambda r: r.timestamp):
                yield InboundMessage(topic=record.topic.removeprefix(settings.kafka_namespace),
                                     partition=record.partition, offset=record.offset,
                                     key=record.key.decode() if record.key else None,
                                     value=record.value or b"", headers={})
            if not follow and not records:
                return
    finally:
        await consumer.stop()


async def tail_events(settings: Settings, names: Sequence[str], *, from_start: bool, follow: bool,
                      limit: int | None) -> int:
    source = (kafka_messages(settings, names, from_start, follow) if settings.mode is Mode.KAFKA
              else embedded_messages(settings, names, from_start, follow))
    shown = 0
    async with aclosing(source):  # a --limit stops early: close the reader properly
        async for message in source:
            console.print(describe(message))
            shown += 1
            if limit is not None and shown >= limit:
                break
    return shown


@app.command("tail")
def tail(
    topic: Annotated[list[str] | None, typer.Option(
        "--topic", "-t", help=f"Topics to follow (default: all of {', '.join(topics.ALL)})")] = None,
    mode: Annotated[Mode, typer.Option(help="embedded (reads data/bus.sqlite3) or kafka")] = Mode.EMBEDDED,
    from_start: Annotated[bool, typer.Option("--from-start", help="Begin with the oldest events")] = False,
    follow: Annotated[bool, typer.Option(help="Keep waiting for new events")] = True,
    limit: Annotated[int | None, typer.Option(help="Stop after this many events")] = None,
) -> None:
    """Print events as they arrive (Ctrl-C to stop)."""
    names = list(topic or topics.ALL)
    unknown = sorted(set(names) - set(topics.ALL))
    if unknown:
        console.print(f"[red]không có chủ đề / unknown topic: {', '.join(unknown)}; "
                      f"choose from {', '.join(topics.ALL)}[/]")
        raise typer.Exit(2)
    settings = Settings(mode=mode)
    try:
        asyncio.run(tail_events(settings, names, from_start=from_start, follow=follow, limit=limit))
    except KeyboardInterrupt:
        pass
