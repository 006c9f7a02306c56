"""Trade tables."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, PrimaryKeyConstraint, String, Table

from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

catalogs = Table(
    "catalogs",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("version", Integer, nullable=False),
)

catalog_entries = Table(
    "catalog_entries",
    metadata,
    Column("catalog_id", String(60), nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("product_code", String(40), nullable=False),
    Column("entity_name", String(300), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("certificate_id", String(36), nullable=False),
    Column("certificate_number", String(40), nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("verification_url", String(500), nullable=False),
    Column("catalog_version", Integer, nullable=False),
    PrimaryKeyConstraint("catalog_id", "product_id"),
)
