"""Wires the embedded account store into its host (embedded mode without an OIDC provider)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from ocop_shared.auth.issuers import embedded_key_folder
from ocop_shared.contracts import AccessGranted
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.keyring import KeyRing
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec
from ocop_shared.settings import Settings

from .adapters import tables
from .adapters.issuer import Issuer
from .adapters.passwords import Passwords
from .adapters.senders import DemoMailbox, Message, Sender, SmtpSender
from .domain.account import LockoutPolicy
from .entrypoints.api import router_for
from .service_layer import people
from .service_layer.context import Accounts
from .service_layer.keys import rotation_job

log = logging.getLogger(__name__)


def send_later(sender: Sender, message: Message) -> None:
    task = asyncio.get_running_loop().create_task(sender.send(message))
    _sending.add(task)
    task.add_done_callback(_sent)


_sending: set[asyncio.Task[None]] = set()


def _sent(task: asyncio.Task[None]) -> None:
    _sending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("accounts: an invitation was not sent: %s", task.exception())


def sender_for(settings: Settings, runtime: ServiceRuntime) -> Sender:
    if settings.smtp_host:
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                          username=settings.smtp_username, password=settings.smtp_password,
                          starttls=settings.smtp_starttls)
    return DemoMailbox(runtime.uow)


def accounts_context(runtime: ServiceRuntime) -> Accounts:
    settings = runtime.settings
    ring = KeyRing.load_or_create(embedded_key_folder(settings.data_dir))
    return Accounts(
        uow=runtime.uow,
        passwords=Passwords(memory_kib=settings.password_hash_memory_kib),
        issuer=Issuer(ring, issuer=settings.token_issuer(), audience=settings.oidc_audience,
                      lifetime=timedelta(minutes=settings.access_token_minutes)),
        sender=sender_for(settings, runtime),
        lockout=LockoutPolicy(max_failures=settings.login_max_failures,
                              lock=timedelta(minutes=settings.login_lock_minutes)),
        session_lifetime=timedelta(hours=settings.session_hours),
        address_max_failures=settings.login_max_failures_per_address,
        console_url=f"{settings.base_url()}/console",
    )


def build(runtime: ServiceRuntime) -> ServiceParts:
    ctx = accounts_context(runtime)
    runtime.state["accounts"] = ctx

    async def on_access_granted(event: AccessGranted, uow: UnitOfWork) -> None:
        p = event.payload
        message = await people.invite(ctx, uow, p.login, p.role, p.scope)
        if message is not None:
            uow.after_commit(f"invite:{p.grant_id}", lambda: send_later(ctx.sender, message))

    return ServiceParts(
        router=router_for(runtime),
        handlers={AccessGranted: on_access_granted},
        background=[rotation_job(ctx.issuer.ring, ctx.now,
                                 every=timedelta(days=runtime.settings.signing_key_days),
                                 token_lifetime=ctx.issuer.lifetime)],
    )


SPEC = ServiceSpec(
    name="accounts",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    audit=tables.audit_log,
)
