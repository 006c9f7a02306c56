"""`ocop dlq list|replay` — see and re-deliver dead-lettered events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ocop_shared.contracts import topics
from ocop_shared.messaging.transport import InboundMessage, OutboundMessage
from ocop_shared.settings import Mode, Settings

from .platform import make_transport

app = typer.Typer(no_args_is_help=True, help="Dead-letter topics (one per consumer group)")
console = Console()


@dataclass(frozen=True)
class DeadLetter:
    dlq_topic: str
    partition: int
    offset: int
    message: InboundMessage

    @property
    def group(self) -> str:
        return self.dlq_topic.removeprefix(topics.DLQ_PREFIX)

    def header(self, name: str) -> str:
        return self.message.headers.get(f"ocop-dlq-{name}", "")


async def read_dead_letters(settings: Settings, group: str | None = None) -> list[DeadLetter]:
    if settings.mode is Mode.KAFKA:
        from ocop_shared.messaging.kafka_tools import read_topics_from_start

        names = await _kafka_dlq_topics(settings, group)
        records = await read_topics_from_start(settings.kafka_access(None), names)
        prefix = settings.kafka_namespace
        return [DeadLetter(m.topic.removeprefix(prefix), m.partition, m.offset, m)
                for m in records]
    from ocop_shared.messaging.embedded import EmbeddedLog

    log = EmbeddedLog(settings.data_dir / "bus.sqlite3")
    await log.open()
    try:
        names = await log.topics_like(topics.dead_letter_topic(group) if group
                                      else topics.DLQ_PREFIX)
        letters = []
        for name in names:
            letters += [DeadLetter(name, 0, m.offset, m)
                        for m in await log.read(name, 0, limit=100_000)]
        return letters
    finally:
        await log.close()


async def _kafka_dlq_topics(settings: Settings, group: str | None) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**settings.kafka_access(None).aiokafka())
    await admin.start()
    try:
        names = await admin.list_topics()
    finally:
        await admin.close()
    wanted = settings.kafka_namespace + (
        topics.dead_letter_topic(group) if group else topics.DLQ_PREFIX)
    return sorted(n for n in names if n.startswith(wanted))


async def replay_dead_letters(settings: Settings, letters: list[DeadLetter]) -> int:
    transport = make_transport(settings)
    await transport.open()
    producer = transport.producer("ocop-dlq-replay")
    await producer.start()
    try:
        messages = []
        for letter in letters:
            headers = {k: v for k, v in letter.message.headers.items()
                       if not k.startswith("ocop-dlq-")}
            headers["ocop-replayed-from"] = f"{letter.dlq_topic}@{letter.partition}:{letter.offset}"
            messages.append(OutboundMessage(
                topic=letter.header("original-topic"), key=letter.message.key or "",
                value=letter.message.value, headers=headers))
        await producer.send_batch(messages)
        return len(messages)
    finally:
        await producer.stop()
        await transport.close()


def _settings(mode: Mode) -> Settings:
    return Settings(mode=mode)


@app.command("list")
def list_(
    group: Annotated[str | None, typer.Option(help="Only this consumer group")] = None,
    mode: Annotated[Mode, typer.Option()] = Mode.EMBEDDED,
) -> None:
    """Show parked events with the reason they were parked."""
    letters = asyncio.run(read_dead_letters(_settings(mode), group))
    table = Table(title=f"Dead letters ({len(letters)})")
    for column in ("group", "at", "from", "kind", "attempts", "error"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            letter.group, f"{letter.partition}:{letter.offset}",
            f"{letter.header('original-topic')}@{letter.header('original-offset')}",
            letter.header("error-kind"), letter.header("attempts"), letter.header("error"),
        )
    console.print(table)


@app.command()
def replay(
    group: Annotated[str, typer.Option(help="Consumer group whose dead letters to replay")],
    offset: Annotated[list[int] | None, typer.Option(help="Only these DLQ offsets")] = None,
    mode: Annotated[Mode, typer.Option()] = Mode.EMBEDDED,
) -> None:
    """Publish parked events again to their original topics (consumers deduplicate)."""
    settings = _settings(mode)
    letters = asyncio.run(read_dead_letters(settings, group))
    if offset:
        letters = [letter for letter in letters if letter.offset in set(offset)]
    count = asyncio.run(replay_dead_letters(settings, letters))
    console.print(f"replayed {count} event(s) from {topics.dead_letter_topic(group)}")
