"""The account store's tables (SQLite in the embedded mode)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, Text

from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit_log = add_audit_table(metadata)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("login", String(300), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("first_failure_at", DateTime(timezone=True), nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
)

codes = Table(
    "login_codes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("used_at", DateTime(timezone=True), nullable=True),
)
Index("ix_login_codes_account", codes.c.account_id, codes.c.purpose)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),  # the tokens' `sid`
    Column("account_id", String(36), nullable=False),
    Column("client_id", String(60), nullable=False),
    Column("refresh_digest", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
)
Index("ix_sessions_account", sessions.c.account_id)

address_failures = Table(
    "address_failures",
    metadata,
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
)

mailbox = Table(  # the demo's mailbox: messages that would have been sent (no mail server)
    "mailbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient", String(300), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("demo", Boolean, nullable=False, default=True),
)
Index("ix_mailbox_recipient", mailbox.c.recipient)
