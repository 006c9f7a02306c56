"""What the account use cases work with (built once by the service's wiring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ocop_shared.db.uow import UnitOfWorkFactory

from ..adapters.issuer import Issuer
from ..adapters.passwords import Passwords
from ..adapters.senders import Sender
from ..domain.account import LockoutPolicy


@dataclass
class Accounts:
    uow: UnitOfWorkFactory
    passwords: Passwords
    issuer: Issuer
    sender: Sender
    lockout: LockoutPolicy
    session_lifetime: timedelta
    address_max_failures: int
    console_url: str  # where people finish what a message asks them to do
    # Codes, sessions, lockouts and tokens run on real time, whatever business day a scenario
    # has moved the platform's clock to (a token's exp is checked against real time).
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
