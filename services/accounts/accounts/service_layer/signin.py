"""Signing in with a password, keeping a session with a refresh token, signing out.

A wrong password counts against the login (locked for a while after too many) and against
the client's address (throttled after many more, so one machine cannot try login after
login); the answer is the same for an unknown login and a wrong password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ocop_shared.auth.logins import InvalidLogin, login_key
from ocop_shared.clock import aware

from ..adapters.repository import AccountRepository
from ..domain.account import Account, Status, new_secret, secret_digest
from ..domain.errors import AccountLocked, InvalidCredentials, NotVerified, SessionEnded
from .context import Accounts

ADDRESS_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session_id: str
    account: Account


async def sign_in(ctx: Accounts, login: str, password: str, *, client_id: str,
                  address: str | None) -> Tokens:
    try:
        key = login_key(login)
    except InvalidLogin:
        key = ""
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        now = ctx.now()
        if address:
            await _check_address(ctx, repo, address, now)
        account = await repo.by_login(key, for_update=True) if key else None
        if account is not None:
            ctx.lockout.check(account, now)
        matches = await ctx.passwords.verify(account.password_hash if account else None, password)
        if account is None or not matches or account.status in (Status.DISABLED, Status.INVITED):
            if account is not None:
                await repo.save(ctx.lockout.after_failure(account, now))
                uow.record_change("account", account.id, "failed sign-in", account_id=account.id)
            if address:
                await _count_address_failure(repo, address, now)
            await uow.commit()
            raise InvalidCredentials()
        if account.status is Status.UNVERIFIED:
            raise NotVerified()
        account = ctx.lockout.after_success(account)
        if account.password_hash and ctx.passwords.needs_rehash(account.password_hash):
            account = replace(account, password_hash=await ctx.passwords.hash(password))
        await repo.save(account)
        tokens = await _open_session(ctx, repo, account, client_id, now)
        uow.record_change("session", tokens.session_id, "signed in", account_id=account.id)
        await uow.commit()
        return tokens


async def refresh(ctx: Accounts, refresh_token: str) -> Tokens:
    """New tokens for a live session; the refresh token is replaced (a stolen one that is used
    after its owner's ends the session)."""
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        now = ctx.now()
        row = await repo.session_by_refresh(secret_digest(refresh_token))
        if row is None or row.ended_at is not None or aware(row.expires_at) <= now:
            raise SessionEnded()
        account = await repo.by_id(row.account_id)
        if account is None or account.status is not Status.ACTIVE:
            raise SessionEnded()
        secret = new_secret()
        await repo.renew_session(row.id, secret_digest(secret), now + ctx.session_lifetime)
        await uow.commit()
    issued = ctx.issuer.access_token(account, session_id=row.id, client_id=row.client_id, now=now)
    return Tokens(issued.token, int((issued.expires_at - now).total_seconds()), secret,
                  int(ctx.session_lifetime.total_seconds()), row.id, account)


async def sign_out(ctx: Accounts, refresh_token: str) -> None:
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        row = await repo.session_by_refresh(secret_digest(refresh_token))
        if row is not None and row.ended_at is None:
            await repo.end_session(row.id, ctx.now())
            uow.record_change("session", row.id, "signed out", account_id=row.account_id)
            await uow.commit()


async def token_for(ctx: Accounts, login: str, *, client_id: str) -> Tokens:
    """A session for an account without asking its password: for administrators' tools and
    the demo's one-click sign-in (development only; the API never offers it in production)."""
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        account = await repo.by_login(login_key(login))
        if account is None or account.status is not Status.ACTIVE:
            raise InvalidCredentials()
        tokens = await _open_session(ctx, repo, account, client_id, ctx.now())
        uow.record_change("session", tokens.session_id, "signed in without a password "
                          "(development sign-in)", account_id=account.id)
        await uow.commit()
        return tokens


async def _open_session(ctx: Accounts, repo: AccountRepository, account: Account, client_id: str,
                        now: datetime) -> Tokens:
    session_id = str(uuid.uuid4())
    secret = new_secret()
    await repo.add_session(session_id, account.id, client_id, secret_digest(secret), now,
                           ctx.session_lifetime)
    issued = ctx.issuer.access_token(account, session_id=session_id, client_id=client_id, now=now)
    return Tokens(issued.token, int((issued.expires_at - now).total_seconds()), secret,
                  int(ctx.session_lifetime.total_seconds()), session_id, account)


async def _check_address(ctx: Accounts, repo: AccountRepository, address: str,
                         now: datetime) -> None:
    row = await repo.address_failures(address)
    if row is None:
        return
    started = aware(row.window_started_at)
    if now - started <= ADDRESS_WINDOW and row.failures >= ctx.address_max_failures:
        raise AccountLocked(int((started + ADDRESS_WINDOW - now).total_seconds()) + 1)


async def _count_address_failure(repo: AccountRepository, address: str, now: datetime) -> None:
    row = await repo.address_failures(address)
    if row is None or now - aware(row.window_started_at) > ADDRESS_WINDOW:
        await repo.set_address_failures(address, 1, now)
    else:
        await repo.set_address_failures(address, row.failures + 1, aware(row.window_started_at))
