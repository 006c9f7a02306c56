"""What the use cases need from their surroundings, gathered once when the service is built."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from ocop_shared.clock import Clock, SystemClock
from ocop_shared.db.uow import UnitOfWorkFactory
from ocop_shared.storage.port import ObjectStore
from ocop_shared.webhooks.service import Webhooks

from ..adapters import tables
from ..adapters.keystore import KeyStore
from ..config import CertificationSettings


@dataclass
class CertificateDocuments:
    """What the document job needs to know: that certificates await their PDF, and when the
    last one was issued (PDFs wait while results keep arriving)."""

    due: asyncio.Event = field(default_factory=asyncio.Event)
    last_issued: float = 0.0  # time.monotonic()

    def issued(self) -> None:
        self.last_issued = time.monotonic()
        self.due.set()


@dataclass
class Context:
    uow: UnitOfWorkFactory  # business time comes from each unit of work's clock (injectable)
    store: ObjectStore
    keys: KeyStore
    base_url: str  # printed in QR codes and verification links
    config: CertificationSettings
    province: str  # whose People's Committee issues the province's certificates
    wall_clock: Clock = field(default_factory=SystemClock)  # webhook retries: real time, not business time
    scheduler_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    documents: CertificateDocuments = field(default_factory=CertificateDocuments)

    @property
    def webhooks(self) -> Webhooks:
        return Webhooks(tables.webhooks, self.wall_clock)
