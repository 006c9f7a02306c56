"""Sending a verification code: by e-mail through a real SMTP server (aiosmtplib), or, where
no server is configured (the demo, development), into the demo mailbox the console shows."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from ocop_shared.auth.logins import shown
from ocop_shared.db.uow import UnitOfWorkFactory
from ocop_shared.i18n import said

from ..domain.errors import CannotDeliver
from .repository import AccountRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str  # identity key: email:... or phone:...
    subject: str
    body: str


class Sender(Protocol):
    """Sends after the code is committed: a failed delivery leaves a code nobody received,
    which expires; asking again sends a new one."""

    async def send(self, message: Message) -> None: ...


class DemoMailbox:
    """Keeps messages in the account store's `mailbox` table."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def send(self, message: Message) -> None:
        async with self._uow() as uow:
            await uow.repository(AccountRepository).add_mail(
                message.to, message.subject, message.body,
                datetime.now(UTC))  # real time, as its codes
            await uow.commit()


class SmtpSender:
    """E-mail through an SMTP server (STARTTLS unless turned off). A phone number cannot be
    reached this way: no SMS gateway is configured."""

    def __init__(self, host: str, port: int, sender: str, *, username: str = "",
                 password: str = "", starttls: bool = True, timeout: float = 15.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    async def send(self, message: Message) -> None:
        kind, _, address = message.to.partition(":")
        if kind != "email":
            raise CannotDeliver(*said("accounts.no_sms_gateway_configured_use_e"))
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = address
        email["Subject"] = message.subject
        email.set_content(message.body)
        try:
            await aiosmtplib.send(email, hostname=self.host, port=self.port,
                                  username=self.username or None, password=self.password or None,
                                  start_tls=self.starttls, timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning("mail to %s not sent: %s", shown(message.to), error)
            raise CannotDeliver(*said("accounts.message_could_not_sent_try_again")) from error
