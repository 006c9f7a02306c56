"""Accounts: sign-up with a verification code, invitations, password resets, admin creation.

Answers never tell whether a login has an account (sign-up and reset answer alike either
way); codes are six digits, kept as hashes, expire, and allow five tries.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode

from ocop_shared.auth.logins import login_key, shown
from ocop_shared.db.uow import UnitOfWork

from ..adapters.repository import AccountRepository
from ..adapters.senders import Message
from ..domain.account import (
    CODE_ATTEMPTS,
    CODE_LIFETIME,
    Account,
    CodePurpose,
    Status,
    code_digest,
    code_matches,
    new_code,
)
from ..domain.errors import CodeRejected
from ..domain.passwords import check_password
from .context import Accounts

ROLE_WORDS = {"province_office": ("Văn phòng OCOP tỉnh", "the provincial OCOP office"),
              "commune_officer": ("cán bộ xã", "commune officer"),
              "inspector": ("thanh tra, kiểm tra", "inspector"),
              "showroom_operator": ("đơn vị vận hành điểm bán", "showroom operator")}


async def sign_up(ctx: Accounts, login: str, name: str, password: str) -> None:
    key = login_key(login)
    check_password(password, shown(key))
    password_hash = await ctx.passwords.hash(password)
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        existing = await repo.by_login(key, for_update=True)
        now = ctx.now()
        if existing is not None and existing.status is not Status.UNVERIFIED:
            message = _already(key, ctx.console_url)
        else:
            account = existing or Account(id=str(uuid.uuid4()), login=key, name=name.strip(),
                                          status=Status.UNVERIFIED, password_hash=None,
                                          created_at=now)
            account = replace(account, name=name.strip(), password_hash=password_hash)
            await (repo.save(account) if existing else repo.add(account))
            code = await _new_code(repo, account, CodePurpose.VERIFY, now)
            uow.record_change("account", account.id, f"sign-up of {shown(key)}", account_id=account.id)
            message = Message(key, "Mã xác nhận tài khoản OCOP / OCOP account code",
                              f"Mã xác nhận của bạn: {code} (hiệu lực 30 phút).\n"
                              f"Your code: {code} (valid for 30 minutes).\n"
                              f"{page(ctx.console_url, 'verification', key)}")
        await uow.commit()
    await ctx.sender.send(message)


async def verify(ctx: Accounts, login: str, code: str) -> None:
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        account = await repo.by_login(login_key(login), for_update=True)
        if account is None or account.status is not Status.UNVERIFIED:
            raise CodeRejected()
        await _use_code(ctx, uow, repo, account, CodePurpose.VERIFY, code)
        await repo.save(replace(account, status=Status.ACTIVE))
        uow.record_change("account", account.id, "login verified", account_id=account.id)
        await uow.commit()


async def request_reset(ctx: Accounts, login: str) -> None:
    key = login_key(login)
    message: Message | None = None
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        account = await repo.by_login(key, for_update=True)
        if account is not None and account.status in (Status.ACTIVE, Status.UNVERIFIED):
            code = await _new_code(repo, account, CodePurpose.RESET, ctx.now())
            uow.record_change("account", account.id, "password reset asked", account_id=account.id)
            message = Message(key, "Đặt lại mật khẩu OCOP / OCOP password reset",
                              f"Mã đặt lại mật khẩu: {code} (hiệu lực 30 phút). Nếu bạn không yêu cầu, "
                              f"hãy bỏ qua thư này.\nReset code: {code} (valid for 30 minutes). If you "
                              f"did not ask for it, ignore this message.\n"
                              f"{page(ctx.console_url, 'password-reset', key)}")
        await uow.commit()
    if message is not None:
        await ctx.sender.send(message)


async def reset_password(ctx: Accounts, login: str, code: str, password: str) -> None:
    key = login_key(login)
    check_password(password, shown(key))
    password_hash = await ctx.passwords.hash(password)
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        account = await repo.by_login(key, for_update=True)
        if account is None or account.status not in (Status.ACTIVE, Status.UNVERIFIED):
            raise CodeRejected()
        await _use_code(ctx, uow, repo, account, CodePurpose.RESET, code)
        now = ctx.now()
        await repo.save(replace(account, password_hash=password_hash, status=Status.ACTIVE,
                                failed_logins=0, first_failure_at=None, locked_until=None))
        await repo.end_sessions_of(account.id, now)  # every device signs in again
        uow.record_change("account", account.id, "password reset; sessions ended", account_id=account.id)
        await uow.commit()


async def invite(ctx: Accounts, uow: UnitOfWork, login: str, role: str,
                 scope: str | None) -> Message | None:
    """The office granted `login` a role (in `uow`, the consumer's transaction): a person
    without an account gets an invitation code to set their password, one with an account is
    told what they may now do. Returns the message to send once that commits."""
    if not login.startswith(("email:", "phone:")):
        return None  # a subject or a client already has an account somewhere
    vi_role, en_role = ROLE_WORDS.get(role, (role, role))
    where = f" ({scope})" if scope else ""
    repo = uow.repository(AccountRepository)
    account = await repo.by_login(login, for_update=True)
    if account is not None and account.status is not Status.INVITED:
        return Message(login, "Quyền mới trên hệ thống OCOP / New access on the OCOP platform",
                       f"Bạn được giao vai trò {vi_role}{where}.\n"
                       f"You were given the role of {en_role}{where}.\n{ctx.console_url}")
    if account is None:
        account = Account(id=str(uuid.uuid4()), login=login, name="", status=Status.INVITED,
                          password_hash=None, created_at=ctx.now())
        await repo.add(account)
    code = await _new_code(repo, account, CodePurpose.INVITE, ctx.now())
    return Message(login, "Lời mời sử dụng hệ thống OCOP / Invitation to the OCOP platform",
                   f"Bạn được mời với vai trò {vi_role}{where}. Mã mời: {code} (hiệu lực 7 ngày); "
                   f"đặt mật khẩu tại {page(ctx.console_url, 'invitation', login)}\n"
                   f"You are invited as {en_role}{where}. Invitation code: {code} "
                   f"(valid for 7 days); set your password at the same address.")


async def accept_invitation(ctx: Accounts, login: str, code: str, name: str, password: str) -> None:
    key = login_key(login)
    check_password(password, shown(key))
    password_hash = await ctx.passwords.hash(password)
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        account = await repo.by_login(key, for_update=True)
        if account is None or account.status is not Status.INVITED:
            raise CodeRejected()
        await _use_code(ctx, uow, repo, account, CodePurpose.INVITE, code)
        await repo.save(replace(account, name=name.strip() or account.name, status=Status.ACTIVE,
                                password_hash=password_hash))
        uow.record_change("account", account.id, "invitation accepted", account_id=account.id)
        await uow.commit()


async def create_account(ctx: Accounts, login: str, name: str, password: str | None) -> Account:
    """An active account made by an administrator (`ocop accounts create-admin`); without a
    password it can only be signed in by a token an administrator mints (development)."""
    key = login_key(login)
    if password is not None:
        check_password(password, shown(key))
    password_hash = await ctx.passwords.hash(password) if password is not None else None
    async with ctx.uow() as uow:
        repo = uow.repository(AccountRepository)
        existing = await repo.by_login(key, for_update=True)
        if existing is not None:
            account = replace(existing, name=name.strip() or existing.name, status=Status.ACTIVE,
                              password_hash=password_hash or existing.password_hash)
            await repo.save(account)
        else:
            account = Account(id=str(uuid.uuid4()), login=key, name=name.strip(),
                              status=Status.ACTIVE, password_hash=password_hash,
                              created_at=ctx.now())
            await repo.add(account)
        uow.record_change("account", account.id, f"account of {shown(key)} created by an administrator",
                          account_id=account.id)
        await uow.commit()
    return account


async def _new_code(repo: AccountRepository, account: Account, purpose: CodePurpose,
                    now: datetime) -> str:
    code = new_code()
    await repo.add_code(account.id, purpose, code_digest(code, account.id + purpose.value),
                        now + CODE_LIFETIME[purpose])
    return code


async def _use_code(ctx: Accounts, uow: UnitOfWork, repo: AccountRepository, account: Account,
                    purpose: CodePurpose, code: str) -> None:
    row = await repo.live_code(account.id, purpose, ctx.now())
    if row is None or row.attempts >= CODE_ATTEMPTS:
        raise CodeRejected()
    if not code_matches(code, account.id + purpose.value, row.digest):
        await repo.code_attempted(row.id)
        await uow.commit()  # the failed try counts even though the request fails
        raise CodeRejected()
    await repo.code_used(row.id, ctx.now())


def _already(key: str, console_url: str) -> Message:
    return Message(key, "Tài khoản OCOP / OCOP account",
                   "Địa chỉ này đã có tài khoản. Nếu quên mật khẩu, hãy đặt lại tại "
                   f"{page(console_url, 'password-reset', key)}\nThis address already has an "
                   "account. If you forgot the password, reset it at the same address.")


def page(console_url: str, step: str, key: str) -> str:
    """The console's page for a step of an account, the login filled in."""
    return f"{console_url}/account/{step}?{urlencode({'login': shown(key)})}"
