"""Reading and writing accounts, codes and sessions (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware

from ..domain.account import Account, AddressFailures, Code, CodePurpose, LoginSession, Status
from .tables import accounts, address_failures, codes, mailbox, sessions


def _values(row: Any) -> dict[str, Any]:
    return {k: aware(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def _account(row: Any) -> Account:
    data = _values(row)
    data["status"] = Status(data["status"])
    return Account(**data)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- accounts
    async def by_login(self, login: str, *, for_update: bool = False) -> Account | None:
        query = select(accounts).where(accounts.c.login == login)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _account(row) if row else None

    async def by_id(self, account_id: str) -> Account | None:
        row = (await self.session.execute(select(accounts).where(accounts.c.id == account_id))).first()
        return _account(row) if row else None

    async def add(self, account: Account) -> None:
        values = asdict(account)
        values["status"] = account.status.value
        await self.session.execute(accounts.insert().values(**values))

    async def save(self, account: Account) -> None:
        values = asdict(account)
        values["status"] = account.status.value
        del values["id"]
        await self.session.execute(update(accounts).where(accounts.c.id == account.id).values(**values))

    async def list(self, limit: int, offset: int) -> tuple[list[Account], int]:
        total = await self.session.scalar(select(func.count()).select_from(accounts))
        rows = (await self.session.execute(select(accounts).order_by(accounts.c.created_at)
                                           .limit(limit).offset(offset))).all()
        return [_account(r) for r in rows], int(total or 0)

    # -- codes
    async def add_code(self, account_id: str, purpose: CodePurpose, digest: str,
                       expires_at: datetime) -> str:
        """A new code; earlier unused codes of the same purpose stop working."""
        await self.session.execute(delete(codes).where(codes.c.account_id == account_id,
                                                       codes.c.purpose == purpose.value))
        code_id = str(uuid.uuid4())
        await self.session.execute(codes.insert().values(
            id=code_id, account_id=account_id, purpose=purpose.value, digest=digest,
            expires_at=expires_at, attempts=0))
        return code_id

    async def live_code(self, account_id: str, purpose: CodePurpose, now: datetime) -> Code | None:
        row = (await self.session.execute(select(codes).where(
            codes.c.account_id == account_id, codes.c.purpose == purpose.value,
            codes.c.used_at.is_(None), codes.c.expires_at > now))).first()
        return Code(**_values(row)) if row else None

    async def code_attempted(self, code_id: str) -> None:
        await self.session.execute(update(codes).where(codes.c.id == code_id)
                                   .values(attempts=codes.c.attempts + 1))

    async def code_used(self, code_id: str, now: datetime) -> None:
        await self.session.execute(update(codes).where(codes.c.id == code_id).values(used_at=now))

    # -- sessions
    async def add_session(self, session_id: str, account_id: str, client_id: str, digest: str,
                          now: datetime, lifetime: timedelta) -> None:
        await self.session.execute(sessions.insert().values(
            id=session_id, account_id=account_id, client_id=client_id, refresh_digest=digest,
            created_at=now, expires_at=now + lifetime))

    async def session_by_refresh(self, digest: str) -> LoginSession | None:
        row = (await self.session.execute(select(sessions).where(
            sessions.c.refresh_digest == digest).with_for_update())).first()
        return LoginSession(**_values(row)) if row else None

    async def renew_session(self, session_id: str, digest: str, expires_at: datetime) -> None:
        await self.session.execute(update(sessions).where(sessions.c.id == session_id).values(
            refresh_digest=digest, expires_at=expires_at))

    async def end_session(self, session_id: str, now: datetime) -> None:
        await self.session.execute(update(sessions).where(
            sessions.c.id == session_id, sessions.c.ended_at.is_(None)).values(ended_at=now))

    async def end_sessions_of(self, account_id: str, now: datetime) -> None:
        await self.session.execute(update(sessions).where(
            sessions.c.account_id == account_id, sessions.c.ended_at.is_(None)).values(ended_at=now))

    # -- failures by client address
    async def address_failures(self, address: str) -> AddressFailures | None:
        row = (await self.session.execute(select(address_failures).where(
            address_failures.c.address == address))).first()
        return AddressFailures(**_values(row)) if row else None

    async def set_address_failures(self, address: str, failures: int, started: datetime) -> None:
        await self.session.execute(delete(address_failures).where(address_failures.c.address == address))
        await self.session.execute(address_failures.insert().values(
            address=address, failures=failures, window_started_at=started))

    async def clear_address_failures(self, address: str) -> None:
        await self.session.execute(delete(address_failures).where(address_failures.c.address == address))

    # -- the demo mailbox
    async def add_mail(self, recipient: str, subject: str, body: str, sent_at: datetime) -> None:
        await self.session.execute(mailbox.insert().values(
            id=str(uuid.uuid4()), recipient=recipient, subject=subject, body=body, sent_at=sent_at,
            demo=True))

    async def mailbox(self, recipient: str | None, limit: int) -> Sequence[Any]:
        query = select(mailbox).order_by(mailbox.c.sent_at.desc()).limit(limit)
        if recipient:
            query = query.where(mailbox.c.recipient == recipient)
        return list((await self.session.execute(query)).all())
