"""The account store's use cases on in-memory repositories: sign-up and its code, sign-in and
lockout, sessions that renew and end, resets, invitations and accounts made by an
administrator; each refusal says why and commits nothing (except a failed try, which counts).
No database: `FakeUnitOfWork` and the fakes in `accounts_fakes.py`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from accounts_fakes import FakeAccountRepository, FakeSender

from accounts.adapters.issuer import Issuer
from accounts.adapters.passwords import Passwords
from accounts.adapters.repository import AccountRepository
from accounts.domain.account import Account, LockoutPolicy, Status, secret_digest
from accounts.domain.errors import (
    AccountLocked,
    CodeRejected,
    InvalidCredentials,
    NotVerified,
    SessionEnded,
    WeakPassword,
)
from accounts.service_layer import people, signin
from accounts.service_layer.context import Accounts
from ocop_shared.clock import ManualClock
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.keyring import KeyRing

PASSWORD = "Mat-khau-thu-nghiem-2026"
LOGIN = "email:an@example.vn"
PASSWORDS = Passwords(memory_kib=8, time_cost=1)  # fast: the parameters are not under test
ISSUER = Issuer(KeyRing.generate(), issuer="https://ocop.example/auth", audience="ocop",
                lifetime=timedelta(minutes=5))


class World:
    """The use cases' context over fakes, with a clock the test moves."""

    def __init__(self, *accounts: Account, address_max_failures: int = 20) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
        self.repo = FakeAccountRepository(*accounts)
        self.sender = FakeSender()
        self.uow = FakeUnitOfWork({AccountRepository: self.repo}, clock=self.clock, producer="accounts")
        self.ctx = Accounts(uow=lambda: self.uow, passwords=PASSWORDS, issuer=ISSUER,
                            sender=self.sender, lockout=LockoutPolicy(max_failures=3),
                            session_lifetime=timedelta(hours=8),
                            address_max_failures=address_max_failures,
                            console_url="https://ocop.example/console", now=self.clock.now)

    def code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.sender.sent[-1].body)
        assert found, self.sender.sent[-1].body
        return found.group(1)

    def account(self, login: str = LOGIN) -> Account:
        return next(a for a in self.repo.accounts.values() if a.login == login)


async def active(world: World) -> Account:
    await people.create_account(world.ctx, LOGIN, "Nguyễn Văn An", PASSWORD)
    return world.account()


# -- sign-up, verification -------------------------------------------------------------------

async def test_sign_up_keeps_an_unverified_account_and_sends_a_code_to_the_login() -> None:
    world = World()
    await people.sign_up(world.ctx, "An@Example.vn", " Nguyễn Văn An ", PASSWORD)
    account = world.account()
    assert (account.name, account.status) == ("Nguyễn Văn An", Status.UNVERIFIED)
    assert account.password_hash and PASSWORD not in account.password_hash
    [code] = world.repo.codes.values()
    assert code.purpose == "verify" and code.expires_at == world.clock.now() + timedelta(minutes=30)
    assert world.sender.sent[-1].to == LOGIN and world.code() not in code.digest
    assert world.uow.commits == 1 and world.uow.events == []


async def test_signing_up_an_existing_login_sends_a_reminder_not_a_code() -> None:
    world = World()
    account = await active(world)
    await people.sign_up(world.ctx, LOGIN, "Someone else", PASSWORD)
    assert world.account() == account and world.repo.codes == {}
    assert "already has an account" in world.sender.sent[-1].body


async def test_a_weak_password_is_refused_before_anything_is_written() -> None:
    world = World()
    with pytest.raises(WeakPassword):
        await people.sign_up(world.ctx, LOGIN, "An", "123")
    assert world.repo.accounts == {} and world.uow.commits == 0 and world.sender.sent == []


async def test_the_right_code_verifies_the_login_once() -> None:
    world = World()
    await people.sign_up(world.ctx, LOGIN, "An", PASSWORD)
    await people.verify(world.ctx, LOGIN, world.code())
    assert world.account().status is Status.ACTIVE
    assert [c.used_at for c in world.repo.codes.values()] == [world.clock.now()]
    commits = world.uow.commits
    with pytest.raises(CodeRejected):
        await people.verify(world.ctx, LOGIN, world.code())
    assert world.uow.commits == commits


async def test_a_wrong_code_counts_as_a_try_and_the_sixth_try_fails_even_with_the_right_code() -> None:
    world = World()
    await people.sign_up(world.ctx, LOGIN, "An", PASSWORD)
    right = world.code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        with pytest.raises(CodeRejected):
            await people.verify(world.ctx, LOGIN, wrong)
        assert [c.attempts for c in world.repo.codes.values()] == [attempt]
        assert world.uow.commits == 1 + attempt  # the failed try is committed
    with pytest.raises(CodeRejected):
        await people.verify(world.ctx, LOGIN, right)
    assert world.account().status is Status.UNVERIFIED


async def test_an_expired_code_is_refused_without_counting() -> None:
    world = World()
    await people.sign_up(world.ctx, LOGIN, "An", PASSWORD)
    world.clock.advance(timedelta(minutes=31))
    with pytest.raises(CodeRejected):
        await people.verify(world.ctx, LOGIN, world.code())
    assert world.uow.commits == 1 and world.account().status is Status.UNVERIFIED


# -- sign-in, lockout, sessions --------------------------------------------------------------

async def test_signing_in_opens_a_session_with_a_refresh_token_kept_as_a_hash() -> None:
    world = World()
    account = await active(world)
    tokens = await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address="10.0.0.7")
    session = world.repo.sessions[tokens.session_id]
    assert (session.account_id, session.client_id) == (account.id, "ocop-cli")
    assert session.refresh_digest == secret_digest(tokens.refresh_token)
    assert session.expires_at == world.clock.now() + timedelta(hours=8)
    assert tokens.expires_in == 300 and tokens.refresh_expires_in == 8 * 3600
    assert world.uow.events == []


async def test_a_wrong_password_counts_against_the_login_and_the_address_then_locks() -> None:
    world = World()
    await active(world)
    commits = world.uow.commits
    for failures in (1, 2):
        with pytest.raises(InvalidCredentials):
            await signin.sign_in(world.ctx, LOGIN, "wrong", client_id="ocop-cli", address="10.0.0.7")
        assert world.account().failed_logins == failures
    assert world.uow.commits == commits + 2
    assert world.repo.failures["10.0.0.7"].failures == 2
    with pytest.raises(InvalidCredentials):
        await signin.sign_in(world.ctx, LOGIN, "wrong", client_id="ocop-cli", address="10.0.0.7")
    assert world.account().locked_until == world.clock.now() + timedelta(minutes=15)
    with pytest.raises(AccountLocked):
        await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address="10.0.0.7")
    assert world.repo.sessions == {}


async def test_an_address_with_too_many_failures_is_throttled_whatever_the_login() -> None:
    world = World(address_max_failures=2)
    await active(world)
    for login in ("email:x@example.vn", "email:y@example.vn"):
        with pytest.raises(InvalidCredentials):
            await signin.sign_in(world.ctx, login, "wrong", client_id="ocop-cli", address="10.0.0.9")
    commits = world.uow.commits
    with pytest.raises(AccountLocked):
        await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address="10.0.0.9")
    assert world.uow.commits == commits and world.repo.sessions == {}


async def test_an_unverified_account_cannot_sign_in() -> None:
    world = World()
    await people.sign_up(world.ctx, LOGIN, "An", PASSWORD)
    with pytest.raises(NotVerified):
        await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address=None)
    assert world.uow.commits == 1 and world.repo.sessions == {}


async def test_refreshing_replaces_the_refresh_token_and_signing_out_ends_the_session() -> None:
    world = World()
    await active(world)
    first = await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-console", address=None)
    world.clock.advance(timedelta(hours=1))
    renewed = await signin.refresh(world.ctx, first.refresh_token)
    assert renewed.session_id == first.session_id and renewed.refresh_token != first.refresh_token
    assert world.repo.sessions[first.session_id].expires_at == world.clock.now() + timedelta(hours=8)
    with pytest.raises(SessionEnded):
        await signin.refresh(world.ctx, first.refresh_token)
    await signin.sign_out(world.ctx, renewed.refresh_token)
    assert world.repo.sessions[first.session_id].ended_at == world.clock.now()
    commits = world.uow.commits
    with pytest.raises(SessionEnded):
        await signin.refresh(world.ctx, renewed.refresh_token)
    assert world.uow.commits == commits


async def test_a_development_sign_in_needs_an_active_account() -> None:
    world = World()
    await people.sign_up(world.ctx, LOGIN, "An", PASSWORD)
    with pytest.raises(InvalidCredentials):
        await signin.token_for(world.ctx, LOGIN, client_id="ocop-cli")
    await people.verify(world.ctx, LOGIN, world.code())
    tokens = await signin.token_for(world.ctx, LOGIN, client_id="ocop-cli")
    assert tokens.session_id in world.repo.sessions


# -- resets, invitations, administrators -----------------------------------------------------

async def test_a_password_reset_with_its_code_sets_the_password_and_ends_every_session() -> None:
    world = World()
    await active(world)
    tokens = await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address=None)
    await people.request_reset(world.ctx, LOGIN)
    await people.reset_password(world.ctx, LOGIN, world.code(), "Mat-khau-moi-2026-dai")
    assert world.repo.sessions[tokens.session_id].ended_at == world.clock.now()
    with pytest.raises(InvalidCredentials):
        await signin.sign_in(world.ctx, LOGIN, PASSWORD, client_id="ocop-cli", address=None)
    await signin.sign_in(world.ctx, LOGIN, "Mat-khau-moi-2026-dai", client_id="ocop-cli", address=None)


async def test_a_reset_for_an_unknown_login_answers_alike_and_sends_nothing() -> None:
    world = World()
    await people.request_reset(world.ctx, "email:nobody@example.vn")
    assert world.sender.sent == [] and world.repo.codes == {}
    with pytest.raises(CodeRejected):
        await people.reset_password(world.ctx, "email:nobody@example.vn", "123456", PASSWORD)


async def test_an_invitation_makes_an_invited_account_that_accepts_with_its_code() -> None:
    world = World()
    async with world.uow as uow:
        message = await people.invite(world.ctx, uow, LOGIN, "commune_officer", "30316")
        await uow.commit()
    assert message is not None and "commune officer (30316)" in message.body
    assert world.account().status is Status.INVITED
    world.sender.sent.append(message)
    await people.accept_invitation(world.ctx, LOGIN, world.code(), "Nguyễn Văn An", PASSWORD)
    assert (world.account().status, world.account().name) == (Status.ACTIVE, "Nguyễn Văn An")


async def test_an_invitation_to_an_account_holder_tells_them_without_a_code() -> None:
    world = World()
    await active(world)
    async with world.uow as uow:
        message = await people.invite(world.ctx, uow, LOGIN, "inspector", None)
        subject = await people.invite(world.ctx, uow, "sub-123", "inspector", None)
    assert message is not None and "New access" in message.subject and world.repo.codes == {}
    assert subject is None


async def test_an_invitation_cannot_be_accepted_by_an_active_account() -> None:
    world = World()
    await active(world)
    commits = world.uow.commits
    with pytest.raises(CodeRejected):
        await people.accept_invitation(world.ctx, LOGIN, "123456", "An", PASSWORD)
    assert world.uow.commits == commits


async def test_an_administrator_makes_an_active_account_or_reactivates_one() -> None:
    world = World()
    made = await people.create_account(world.ctx, LOGIN, "An", None)
    assert (made.status, made.password_hash) == (Status.ACTIVE, None)
    await world.repo.save(replace(made, status=Status.DISABLED))
    again = await people.create_account(world.ctx, LOGIN, "", PASSWORD)
    assert (again.id, again.name, again.status) == (made.id, "An", Status.ACTIVE)
    assert again.password_hash is not None and world.uow.commits == 2
