"""Registry tables (SQLAlchemy Core); the domain never imports these."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text

from ocop_shared.db.engine import BigId, new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

entities = Table(
    "entities",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("legal_form", String(40), nullable=False),
    Column("registration_no", String(40), nullable=False, unique=True),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("representative_name", String(200), nullable=False, default=""),
    Column("representative_female", Boolean, nullable=False, default=False),
    Column("representative_ethnic_minority", Boolean, nullable=False, default=False),
    Column("representative_disabled", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("entity_id", String(36), ForeignKey("entities.id"), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("status", String(30), nullable=False),
    Column("version", Integer, nullable=False),
)

timeline = Table(
    "product_timeline",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(30), nullable=False),
    Column("note", Text, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False, index=True),
    Column("round_id", String(60), nullable=False),
    Column("case", String(20), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)
