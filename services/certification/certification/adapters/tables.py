"""Certification tables."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Integer, String, Table, Text

from ocop_shared.db.engine import BigId, new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

certificates = Table(
    "certificates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("evaluation_id", String(36), nullable=False, unique=True),
    Column("product_id", String(36), nullable=False, index=True),
    Column("product_code", String(40), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("entity_name", String(300), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("regulation", String(40), nullable=False),
    Column("decision_no", String(200), nullable=False),
    Column("authority", String(200), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
)

history = Table(
    "certificate_history",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("certificate_id", String(36), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Integer, nullable=False),
)
