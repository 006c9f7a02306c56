"""An account of the embedded account store and the rules of signing in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import AccountLocked


class Status(StrEnum):
    UNVERIFIED = "unverified"  # signed up, the code not entered yet
    INVITED = "invited"  # the office named them; they set a password with the invitation code
    ACTIVE = "active"
    DISABLED = "disabled"


class CodePurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"
    INVITE = "invite"


CODE_LIFETIME = {CodePurpose.VERIFY: timedelta(minutes=30), CodePurpose.RESET: timedelta(minutes=30),
                 CodePurpose.INVITE: timedelta(days=7)}
CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Account:
    id: str  # the token's subject
    login: str  # identity key: email:... or phone:...
    name: str
    status: Status
    password_hash: str | None
    created_at: datetime
    failed_logins: int = 0
    first_failure_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LockoutPolicy:
    """`max_failures` wrong passwords within `window` lock the login for `lock`."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)

    def check(self, account: Account, now: datetime) -> None:
        if account.locked_until is not None and account.locked_until > now:
            raise AccountLocked(int((account.locked_until - now).total_seconds()) + 1)

    def after_failure(self, account: Account, now: datetime) -> Account:
        fresh = account.first_failure_at is None or now - account.first_failure_at > self.window
        failures = 1 if fresh else account.failed_logins + 1
        first = now if fresh else account.first_failure_at
        locked = now + self.lock if failures >= self.max_failures else None
        return replace(account, failed_logins=0 if locked else failures,
                       first_failure_at=None if locked else first, locked_until=locked)

    def after_success(self, account: Account) -> Account:
        return replace(account, failed_logins=0, first_failure_at=None, locked_until=None)


def new_code() -> str:
    """Six digits, as a person types them from a message."""
    return f"{secrets.randbelow(1_000_000):06d}"


def code_digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code.strip()}".encode()).hexdigest()


def code_matches(code: str, salt: str, digest: str) -> bool:
    return hmac.compare_digest(code_digest(code, salt), digest)


def new_secret() -> str:
    """A refresh token: 256 random bits; only its hash is stored."""
    return secrets.token_urlsafe(32)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Code:
    """A code sent to a login (its hash only), for one purpose; five tries."""

    id: str
    account_id: str
    purpose: str
    digest: str
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None


@dataclass(frozen=True)
class LoginSession:
    """A signed-in device: renewed with its refresh token (kept as a hash) until it ends."""

    id: str  # the tokens' `sid`
    account_id: str
    client_id: str
    refresh_digest: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class AddressFailures:
    """Failed sign-ins from one client address in the current window."""

    address: str
    failures: int
    window_started_at: datetime
