"""The people the demo, the tests and the benchmarks act as: accounts at the identity provider,
and the first office grant that lets one of them invite the others.

- `InProcessPeople`: the embedded account store of a platform running in this process
  (the demo, the embedded tests): accounts made as `ocop accounts create-admin` makes them,
  sessions opened by the store itself.
- `KeycloakPeople`: a Keycloak realm (the distributed mode): accounts made through its admin
  API, tokens by signing in with a password at its token endpoint, as a person does.

Either way a token says only who someone is; what they may do comes from the platform's
records (grants, seats, memberships), which the scenario and the tests create through the
APIs like the office does. Only the very first office grant is written directly, by
`bootstrap_office` — `ocop accounts create-admin` does the same.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import httpx

from ocop_shared.audit import Actor, AuditRecorder, acting_as
from ocop_shared.auth.logins import login_key, shown
from ocop_shared.clock import SystemClock
from ocop_shared.db.engine import create_engine, session_factory
from ocop_shared.db.migrations import upgrade
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.secrets import Secret
from ocop_shared.settings import Settings

OFFICE_LOGIN = "van-phong@ocop.angiang.gov.vn"
OFFICE_NAME = "Văn phòng Điều phối Chương trình OCOP tỉnh"
DEMO_PASSWORD = "ocop-demo-2026!"  # development accounts only (the demo, the local realm)


class People(Protocol):
    async def headers(self, login: str, name: str = "") -> dict[str, str]:
        """Bearer headers of `login` (an account is made for them if they have none)."""
        ...

    async def bootstrap_office(self, login: str, name: str) -> None:
        """The first office grant, written outside the API (as `ocop accounts create-admin`)."""
        ...


@dataclass
class _Held:
    token: str
    until: float


class _TokenCache:
    def __init__(self) -> None:
        self._held: dict[str, _Held] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, login: str, fetch: Any) -> str:
        key = login_key(login)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            held = self._held.get(key)
            if held is None or held.until - time.monotonic() < 30:
                token, lifetime = await fetch(key)
                held = self._held[key] = _Held(token, time.monotonic() + lifetime)
            return held.token


class InProcessPeople:
    def __init__(self, runtimes: Sequence[ServiceRuntime]) -> None:
        self._accounts = next(rt for rt in runtimes if rt.name == "accounts").state["accounts"]
        self._registry = next(rt for rt in runtimes if rt.name == "registry")
        self._tokens = _TokenCache()

    async def ensure(self, login: str, name: str = "", password: str | None = None) -> None:
        from accounts.service_layer import people

        await people.create_account(self._accounts, login, name or shown(login_key(login)), password)

    async def headers(self, login: str, name: str = "") -> dict[str, str]:
        from accounts.service_layer import signin

        async def fetch(key: str) -> tuple[str, float]:
            try:
                tokens = await signin.token_for(self._accounts, key, client_id="ocop-cli")
            except Exception:
                await self.ensure(key, name)
                tokens = await signin.token_for(self._accounts, key, client_id="ocop-cli")
            return tokens.access_token, float(tokens.expires_in)

        return {"authorization": f"Bearer {await self._tokens.get(login, fetch)}"}

    async def bootstrap_office(self, login: str, name: str) -> None:
        await self.ensure(login, name)
        async with self._registry.uow() as uow:
            await record_office_grant(uow, login, name)


class ProcessPeople:
    """The embedded account store of a platform in another process (`ocop run` started by a
    test): accounts made the administrator's way, in its database; sign-in over HTTP at its
    token endpoint with the password, as a person does."""

    def __init__(self, settings: Settings, base_url: str, password: str = DEMO_PASSWORD) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.password = password
        self._tokens = _TokenCache()
        self._known: set[str] = set()

    async def ensure(self, login: str, name: str = "") -> None:
        key = login_key(login)
        if key not in self._known:
            await create_embedded_account(self.settings, key, name or shown(key), self.password)
            self._known.add(key)

    async def headers(self, login: str, name: str = "") -> dict[str, str]:
        async def fetch(key: str) -> tuple[str, float]:
            await self.ensure(key, name)
            async with httpx.AsyncClient(timeout=30) as client:
                r = await client.post(f"{self.base_url}/auth/token", data={
                    "grant_type": "password", "client_id": "ocop-cli", "username": shown(key),
                    "password": self.password})
                if r.status_code != 200:
                    raise RuntimeError(f"sign-in of {shown(key)} refused: {r.status_code} {r.text[:300]}")
                body = r.json()
            return str(body["access_token"]), float(body["expires_in"])

        return {"authorization": f"Bearer {await self._tokens.get(login, fetch)}"}

    async def bootstrap_office(self, login: str, name: str) -> None:
        await self.ensure(login, name)
        await record_office_grant_in(self.settings.database_url_for("registry"), login, name,
                                     password=self.settings.database_password_for("registry"))


class KeycloakPeople:
    """Accounts in a Keycloak realm. `admin` are the master realm's administrator's
    credentials (the local stack's bootstrap admin): only tests, benchmarks and the demo make
    accounts this way; a province's people sign up or are created by its Keycloak admins."""

    def __init__(self, issuer: str, *, admin: tuple[str, str], client_id: str = "ocop-cli",
                 registry_database_url: str | None = None, registry_password: Secret | None = None,
                 password: str = DEMO_PASSWORD) -> None:
        self.issuer = issuer.rstrip("/")
        self.base, _, self.realm = self.issuer.partition("/realms/")
        self._admin = admin
        self._client_id = client_id
        self._password = password
        self._registry_url = registry_database_url
        self._registry_password = registry_password
        self._tokens = _TokenCache()
        self._known: set[str] = set()

    async def _admin_token(self, client: httpx.AsyncClient) -> str:
        r = await client.post(f"{self.base}/realms/master/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "admin-cli", "username": self._admin[0],
            "password": self._admin[1]})
        r.raise_for_status()
        return str(r.json()["access_token"])

    async def ensure(self, login: str, name: str = "") -> None:
        """A user with `login` as e-mail (verified), a name and the password, if none exists."""
        key = login_key(login)
        if key in self._known:
            return
        email = shown(key)
        async with httpx.AsyncClient(timeout=30) as client:
            headers = {"authorization": f"Bearer {await self._admin_token(client)}"}
            users = f"{self.base}/admin/realms/{self.realm}/users"
            found = await client.get(users, headers=headers, params={"email": email, "exact": "true"})
            found.raise_for_status()
            if not found.json():
                first, _, last = (name or email.split("@")[0]).partition(" ")
                created = await client.post(users, headers=headers, json={
                    "username": email, "email": email, "emailVerified": True, "enabled": True,
                    "firstName": first or email, "lastName": last or "-",
                    "credentials": [{"type": "password", "value": self._password,
                                     "temporary": False}]})
                if created.status_code not in (201, 409):
                    created.raise_for_status()
        self._known.add(key)

    async def headers(self, login: str, name: str = "") -> dict[str, str]:
        async def fetch(key: str) -> tuple[str, float]:
            await self.ensure(key, name)
            async with httpx.AsyncClient(timeout=30) as client:
                r = await client.post(f"{self.issuer}/protocol/openid-connect/token", data={
                    "grant_type": "password", "client_id": self._client_id,
                    "username": shown(key), "password": self._password, "scope": "openid"})
                if r.status_code != 200:
                    raise RuntimeError(f"Keycloak refused {shown(key)}: {r.status_code} {r.text[:300]}")
                body = r.json()
            return str(body["access_token"]), float(body["expires_in"])

        return {"authorization": f"Bearer {await self._tokens.get(login, fetch)}"}

    async def bootstrap_office(self, login: str, name: str) -> None:
        await self.ensure(login, name)
        if self._registry_url is None:
            raise RuntimeError("the registry's database is needed to record the first office grant")
        await record_office_grant_in(self._registry_url, login, name, password=self._registry_password)


async def record_office_grant(uow: UnitOfWork, login: str, name: str, by: str = "ocop-cli") -> None:
    from registry.service_layer.access import GrantRequest, record_grant

    with acting_as(Actor(subject=by, name="", roles=("administrator",), client_address=None,
                         action="ocop accounts create-admin")):
        await record_grant(uow, GrantRequest(login=login, role="province_office", scope=None,
                                             name=name), by=by)


async def record_office_grant_in(database_url: str, login: str, name: str, by: str = "ocop-cli",
                                 password: Secret | None = None) -> None:
    """The first office grant, straight into the registry's database (its relay publishes it),
    as the registry's own role."""
    from registry.adapters import tables

    engine = create_engine(database_url, password=password)
    try:
        uow = UnitOfWork(session_factory(engine), outbox_table=tables.outbox,
                         inbox_table=tables.inbox, clock=SystemClock(), producer="registry",
                         audit=AuditRecorder(tables.audit_log, "registry"))
        async with uow:
            await record_office_grant(uow, login, name, by)
    finally:
        await engine.dispose()


async def create_embedded_account(settings: Settings, login: str, name: str, password: str | None,
                                  by: str = "ocop-cli") -> str:
    """An active account straight in the embedded account store's database, as `ocop accounts
    create-admin` makes it (the platform may be running: SQLite takes the write in turn)."""
    from accounts.adapters import tables
    from accounts.adapters.passwords import Passwords
    from accounts.service import SPEC
    from accounts.service_layer import people
    from accounts.service_layer.context import Accounts
    url = settings.database_url_for("accounts")
    engine = create_engine(url)
    try:
        await upgrade(engine, SPEC.migrations, "accounts")
        sessions = session_factory(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions, outbox_table=tables.outbox, inbox_table=tables.inbox,
                              clock=SystemClock(), producer="accounts",
                              audit=AuditRecorder(tables.audit_log, "accounts"))

        ctx = Accounts(uow=uow, passwords=Passwords(memory_kib=settings.password_hash_memory_kib),
                       issuer=None, sender=None, lockout=None,  # type: ignore[arg-type]
                       session_lifetime=timedelta(hours=settings.session_hours),
                       address_max_failures=settings.login_max_failures_per_address,
                       console_url=f"{settings.base_url()}/console")
        with acting_as(Actor(subject=by, name="", roles=("administrator",),
                             client_address=None, action="ocop accounts create-admin")):
            account = await people.create_account(ctx, login, name, password)
        return account.id
    finally:
        await engine.dispose()


def people_for(settings: Settings, runtimes: Sequence[ServiceRuntime]) -> People:
    """The people of a platform running in this process: its own account store, or the
    OIDC provider (the local stack's Keycloak, with its bootstrap administrator)."""
    if settings.embedded_identity:
        return InProcessPeople(runtimes)
    admin = (os.environ.get("OCOP_KEYCLOAK_ADMIN", "admin"),
             os.environ.get("OCOP_KEYCLOAK_ADMIN_PASSWORD", "admin"))
    return KeycloakPeople(settings.token_issuer(), admin=admin,
                          registry_database_url=settings.database_url_for("registry"),
                          registry_password=settings.database_password_for("registry"))
