"""In-memory stand-ins for the account store's service-layer tests (cosmicpython's fakes):
the repository methods the use cases call, with the real ones' signatures, over dicts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from accounts.adapters.senders import Message
from accounts.domain.account import Account, AddressFailures, Code, CodePurpose, LoginSession


class FakeAccountRepository:
    def __init__(self, *accounts: Account) -> None:
        self.accounts: dict[str, Account] = {a.id: a for a in accounts}
        self.codes: dict[str, Code] = {}
        self.sessions: dict[str, LoginSession] = {}
        self.failures: dict[str, AddressFailures] = {}

    # -- accounts
    async def by_login(self, login: str, *, for_update: bool = False) -> Account | None:
        return next((a for a in self.accounts.values() if a.login == login), None)

    async def by_id(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    async def add(self, account: Account) -> None:
        assert account.id not in self.accounts and await self.by_login(account.login) is None
        self.accounts[account.id] = account

    async def save(self, account: Account) -> None:
        assert account.id in self.accounts
        self.accounts[account.id] = account

    # -- codes
    async def add_code(self, account_id: str, purpose: CodePurpose, digest: str,
                       expires_at: datetime) -> str:
        for code in [c for c in self.codes.values()
                     if c.account_id == account_id and c.purpose == purpose.value]:
            del self.codes[code.id]
        code_id = str(uuid.uuid4())
        self.codes[code_id] = Code(code_id, account_id, purpose.value, digest, expires_at)
        return code_id

    async def live_code(self, account_id: str, purpose: CodePurpose, now: datetime) -> Code | None:
        return next((c for c in self.codes.values() if c.account_id == account_id
                     and c.purpose == purpose.value and c.used_at is None and c.expires_at > now), None)

    async def code_attempted(self, code_id: str) -> None:
        self.codes[code_id] = replace(self.codes[code_id], attempts=self.codes[code_id].attempts + 1)

    async def code_used(self, code_id: str, now: datetime) -> None:
        self.codes[code_id] = replace(self.codes[code_id], used_at=now)

    # -- sessions
    async def add_session(self, session_id: str, account_id: str, client_id: str, digest: str,
                          now: datetime, lifetime: timedelta) -> None:
        self.sessions[session_id] = LoginSession(session_id, account_id, client_id, digest, now,
                                                 now + lifetime)

    async def session_by_refresh(self, digest: str) -> LoginSession | None:
        return next((s for s in self.sessions.values() if s.refresh_digest == digest), None)

    async def renew_session(self, session_id: str, digest: str, expires_at: datetime) -> None:
        self.sessions[session_id] = replace(self.sessions[session_id], refresh_digest=digest,
                                            expires_at=expires_at)

    async def end_session(self, session_id: str, now: datetime) -> None:
        if self.sessions[session_id].ended_at is None:
            self.sessions[session_id] = replace(self.sessions[session_id], ended_at=now)

    async def end_sessions_of(self, account_id: str, now: datetime) -> None:
        for s in list(self.sessions.values()):
            if s.account_id == account_id and s.ended_at is None:
                self.sessions[s.id] = replace(s, ended_at=now)

    # -- failures by client address
    async def address_failures(self, address: str) -> AddressFailures | None:
        return self.failures.get(address)

    async def set_address_failures(self, address: str, failures: int, started: datetime) -> None:
        self.failures[address] = AddressFailures(address, failures, started)


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)
