"""Consuming messages: decode, deduplicate, apply, retry, or park them as dead letters.

Transport-agnostic: the Kafka and embedded runners feed InboundMessages in and
commit the offsets only after `process` / `process_batch` returns, i.e. after the
effects and their inbox records are committed in the service's database.

A batch is applied in one database transaction (each message's inbox record and effect,
in order); if any message of it fails, the transaction is rolled back and the batch is
processed again one message at a time, with the usual retries and dead letters. So a
batch changes only how often the database commits, never what is applied.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from .. import failpoints
from ..contracts import topics
from ..contracts.catalogue import UnknownEventType, read_event
from ..contracts.envelope import Envelope
from ..db.uow import UnitOfWork
from ..observability import tracing
from .flow import Flow, flow_scope
from .inbox import first_deliveries, first_delivery
from .retry import Backoff, is_infrastructure_error
from .transport import InboundMessage, OutboundMessage, Producer

log = logging.getLogger(__name__)

Handler = Callable[[Any, UnitOfWork], Awaitable[None]]


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


class ErrorKind(StrEnum):
    MALFORMED = "malformed"
    HANDLER_FAILED = "handler_failed"


@dataclass(frozen=True)
class Consumed:
    """What became of one message: for metrics and tests."""

    message: InboundMessage
    outcome: Outcome
    event_type: str
    seconds: float
    error: str | None = None


OutcomeListener = Callable[[Consumed], None]
# Loads, in a few statements, what a batch's handlers will read (their rows locked and kept in
# the transaction's repositories), before the handlers run one event at a time.
BatchPreparer = Callable[[UnitOfWork, Sequence[Envelope[Any]]], Awaitable[None]]


class EventProcessor:
    def __init__(
        self,
        consumer: str,
        handlers: Mapping[type[Envelope[Any]], Handler],
        uow_factory: Callable[[], UnitOfWork],
        dead_letters: Producer,
        *,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
        listeners: list[OutcomeListener] | None = None,
        prepare: BatchPreparer | None = None,
    ) -> None:
        self.consumer = consumer
        self._prepare = prepare
        self._handlers = {cls.event_key(): handler for cls, handler in handlers.items()}
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self._listeners = listeners or []

    @property
    def topics(self) -> list[str]:
        from ..contracts.catalogue import EVENT_CLASSES

        return sorted({EVENT_CLASSES[key].topic for key in self._handlers})

    async def process(self, message: InboundMessage) -> Outcome:
        started = time.perf_counter()
        outcome, error, event_type = await self._process(message)
        consumed = Consumed(message=message, outcome=outcome, event_type=event_type,
                            seconds=time.perf_counter() - started, error=error)
        for listener in self._listeners:
            listener(consumed)
        return outcome

    async def process_batch(self, messages: list[InboundMessage]) -> list[Outcome]:
        """Apply `messages` in order, in one transaction when they all go through. Events this
        consumer has no handler for (or of a type it does not know) are ignored in place; a
        malformed message sends the batch one message at a time (it goes to the dead letters)."""
        if len(messages) < 2:
            return [await self.process(m) for m in messages]
        started = time.perf_counter()
        decoded: list[tuple[InboundMessage, Envelope[Any], Handler]] = []
        ignored: dict[int, str] = {}  # position in the batch -> event type
        for position, message in enumerate(messages):
            try:
                event = read_event(message.value)
            except UnknownEventType as unknown:
                log.info("ignoring unknown event type %s on %s", unknown, message.topic)
                ignored[position] = str(unknown)
                continue
            except (ValidationError, ValueError):
                return await self._one_by_one(messages)
            handler = self._handlers.get(event.event_key())
            if handler is None:
                ignored[position] = event.type
                continue
            decoded.append((message, event, handler))
        try:
            applied = iter(await self._apply_all(decoded) if decoded else [])
        except Exception as error:
            log.info("%s: batch of %d failed (%s); one message at a time",
                     self.consumer, len(messages), error)
            return await self._one_by_one(messages)
        if decoded:  # (a batch of ignored events committed nothing)
            failpoints.reached("consumer.after_db_commit", self.consumer)
        seconds = (time.perf_counter() - started) / len(messages)
        events = iter(decoded)
        outcomes = []
        for position, message in enumerate(messages):
            if position in ignored:
                outcome, event_type = Outcome.IGNORED, ignored[position]
            else:
                outcome, event_type = next(applied), next(events)[1].type
            outcomes.append(outcome)
            consumed = Consumed(message=message, outcome=outcome, event_type=event_type, seconds=seconds)
            for listener in self._listeners:
                listener(consumed)
        return outcomes

    async def _one_by_one(self, messages: list[InboundMessage]) -> list[Outcome]:
        return [await self.process(m) for m in messages]

    async def _apply_all(self, batch: list[tuple[InboundMessage, Envelope[Any], Handler]]) -> list[Outcome]:
        outcomes = []
        async with self._uow_factory() as uow:
            fresh = await first_deliveries(uow.session, uow.inbox_table, consumer=self.consumer,
                                           events=[(str(e.id), e.type) for _, e, _ in batch],
                                           clock=uow.clock)
            if self._prepare is not None:
                await self._prepare(uow, [e for _, e, _ in batch if str(e.id) in fresh])
            for message, event, handler in batch:
                with self._consuming(message, event) as flow, flow_scope(flow):
                    first = str(event.id) in fresh
                    fresh.discard(str(event.id))  # the same event twice in a batch: once
                    outcomes.append(await self._effect(uow, event, handler, first))
                    await uow.publish_tracked()
            await uow.commit()
        return outcomes

    async def _process(self, message: InboundMessage) -> tuple[Outcome, str | None, str]:
        declared = message.headers.get("ocop-event-type", "?")
        try:
            event = read_event(message.value)
        except UnknownEventType as unknown:
            log.info("ignoring unknown event type %s on %s", unknown, message.topic)
            return Outcome.IGNORED, None, str(unknown)
        except (ValidationError, ValueError) as invalid:
            error = _describe_invalid(invalid)
            await self._park(message, ErrorKind.MALFORMED, error, attempts=0)
            return Outcome.DEAD_LETTERED, error, declared

        handler = self._handlers.get(event.event_key())
        if handler is None:
            return Outcome.IGNORED, None, event.type

        with self._consuming(message, event) as flow:
            outcome, failure = await self._apply_with_retries(message, event, handler, flow)
            return outcome, failure, event.type

    @contextmanager
    def _consuming(self, message: InboundMessage, event: Envelope[Any]) -> Iterator[Flow]:
        """The consumer span of one event and the flow its effects carry (correlation, causation)."""
        with tracing.span(f"consume {event.type}", SpanKind.CONSUMER,
                          parent=message.headers.get("traceparent"),
                          attributes={"messaging.destination.name": message.topic,
                                      "ocop.consumer": self.consumer,
                                      "ocop.event_id": str(event.id)}) as current:
            yield Flow(
                correlation_id=event.correlation_id,
                causation_id=str(event.id),
                traceparent=tracing.traceparent_of(current) or message.headers.get("traceparent"),
            )

    async def _apply_with_retries(self, message: InboundMessage, event: Envelope[Any],
                                  handler: Handler, flow: Flow) -> tuple[Outcome, str | None]:
        attempt = 0
        while True:
            attempt += 1
            try:
                with flow_scope(flow):
                    outcome = await self._apply(event, handler)
                failpoints.reached("consumer.after_db_commit", self.consumer)
                return outcome, None
            except Exception as error:
                if is_infrastructure_error(error):
                    log.warning(
                        "%s: infrastructure unavailable handling %s (%s); retrying",
                        self.consumer, event.id, error,
                    )
                    await self._backoff.sleep(min(attempt, 8))
                    continue
                if attempt >= self._max_attempts:
                    reason = f"{type(error).__name__}: {error}"
                    log.error("%s: parking %s after %d attempts: %s",
                              self.consumer, event.id, attempt, reason)
                    await self._park(message, ErrorKind.HANDLER_FAILED, reason, attempt)
                    return Outcome.DEAD_LETTERED, reason
                log.warning("%s: attempt %d for %s failed: %s",
                            self.consumer, attempt, event.id, error)
                await self._backoff.sleep(attempt)

    async def _apply(self, event: Envelope[Any], handler: Handler) -> Outcome:
        async with self._uow_factory() as uow:
            outcome = await self._apply_in(uow, event, handler)
            await uow.commit()
        return outcome

    async def _apply_in(self, uow: UnitOfWork, event: Envelope[Any], handler: Handler) -> Outcome:
        """The inbox record and the effect, in the caller's transaction."""
        fresh = await first_delivery(uow.session, uow.inbox_table, consumer=self.consumer,
                                     event_id=str(event.id), event_type=event.type, clock=uow.clock)
        return await self._effect(uow, event, handler, fresh)

    @staticmethod
    async def _effect(uow: UnitOfWork, event: Envelope[Any], handler: Handler, first: bool) -> Outcome:
        if first:
            await handler(event, uow)
        return Outcome.PROCESSED if first else Outcome.DUPLICATE

    async def _park(
        self, message: InboundMessage, kind: ErrorKind, error: str, attempts: int
    ) -> None:
        headers = dict(message.headers)
        headers.update(
            {
                "ocop-dlq-consumer": self.consumer,
                "ocop-dlq-original-topic": message.topic,
                "ocop-dlq-original-partition": str(message.partition),
                "ocop-dlq-original-offset": str(message.offset),
                "ocop-dlq-error-kind": kind.value,
                "ocop-dlq-error": error[:2000],
                "ocop-dlq-attempts": str(attempts),
                "ocop-dlq-failed-at": datetime.now(UTC).isoformat(),
            }
        )
        await self._dead_letters.send_batch(
            [
                OutboundMessage(
                    topic=topics.dead_letter_topic(self.consumer),
                    key=message.key or "",
                    value=message.value,
                    headers=headers,
                )
            ]
        )


def _describe_invalid(error: Exception) -> str:
    if isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in item['loc']) or '(message)'}: {item['msg']}"
            for item in error.errors()[:10]
        ]
        return "invalid event: " + "; ".join(parts)
    return f"invalid event: {error}"
