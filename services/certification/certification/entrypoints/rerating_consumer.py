"""The re-rating tracker: a second consumer group of the service, on the registry's and the
scoring service's topics (ProductSubmitted, SubmissionWithdrawn, EvaluationClosed).

Why a group of its own (``certification-rerating``) rather than more handlers on the main
one: the main group issues certificates from `Scored` and must not wait behind the
registry's much busier product stream, and a failing re-rating update must never hold up
certificate issuance. It has the same guarantees as the main consumer: inbox (consumer name
``certification-rerating``), committed offsets after the effect, bounded retries, and its own
dead-letter topic ``ocop.dlq.certification-rerating``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from ocop_shared.contracts import topics
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.messaging.processor import EventProcessor, Handler
from ocop_shared.messaging.retry import Backoff
from ocop_shared.runtime import BackgroundJob, ServiceRuntime

log = logging.getLogger(__name__)


def consumer_name(runtime: ServiceRuntime) -> str:
    return f"{runtime.name}-rerating"


def rerating_consumer_job(runtime: ServiceRuntime,
                          handlers: Mapping[type[Envelope[Any]], Handler]) -> BackgroundJob:
    async def run(stop: asyncio.Event) -> None:
        name = consumer_name(runtime)
        dead_letters = runtime.transport.producer(f"{name}-dlq")
        processor = EventProcessor(
            name, handlers, runtime.uow, dead_letters,
            max_attempts=runtime.settings.consumer_max_attempts,
            backoff=Backoff(base_seconds=runtime.settings.consumer_backoff_seconds))
        attempt = 0
        while not stop.is_set():  # the broker may be away at start: wait for it
            try:
                await runtime.transport.prepare([topics.dead_letter_topic(name)])
                break
            except Exception as error:
                attempt += 1
                log.warning("%s: cannot prepare topics yet (%s)", name, error)
                try:
                    await asyncio.wait_for(stop.wait(), min(30.0, 0.5 * 2 ** attempt))
                except TimeoutError:
                    pass
        if stop.is_set():
            return
        consumer = runtime.transport.consumer(processor, processor.topics)
        await consumer.start()
        try:
            await stop.wait()
        finally:
            await consumer.stop()
            try:
                await dead_letters.stop()
            except Exception as error:
                log.debug("%s: producer stop: %s", name, error)

    return run
