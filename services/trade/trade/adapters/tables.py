"""Trade tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from ocop_shared.access import add_access_table
from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables
from ocop_shared.webhooks import add_webhook_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
access_grants = add_access_table(metadata)
audit_log = add_audit_table(metadata)

# The trade service's projection of certificates (from ocop.certification.certificate.v1).
certified_products = Table(
    "certified_products",
    metadata,
    Column("product_id", String(36), primary_key=True),
    Column("item", JSON, nullable=False),
    Column("certificate_number", String(40), nullable=False, index=True),
    Column("listed", Boolean, nullable=False),
    Column("removal", String(40), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# A catalog is what one point of sale carries (or the province-wide list of everything).
catalogs = Table(
    "catalogs",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("location_type", String(40), nullable=True),
    Column("address", String(500), nullable=False, default=""),
    Column("commune_code", String(10), nullable=True),
    Column("operator", String(200), nullable=False, default=""),
    Column("carries_all", Boolean, nullable=False),
    Column("api_key_hash", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    Column("floor_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

assortments = Table(
    "assortments",
    metadata,
    Column("catalog_id", String(60), ForeignKey("catalogs.id"), nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("catalog_id", "product_id"),
)

catalog_items = Table(
    "catalog_items",
    metadata,
    Column("catalog_id", String(60), ForeignKey("catalogs.id"), nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("item", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("catalog_id", "product_id"),
)

# Every change of every catalog, numbered 1, 2, 3... per catalog: the delta feed.
catalog_changes = Table(
    "catalog_changes",
    metadata,
    Column("catalog_id", String(60), ForeignKey("catalogs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("kind", String(10), nullable=False),  # upsert | tombstone
    Column("reason", String(40), nullable=True),
    Column("item", JSON, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("catalog_id", "version"),
)

till_acks = Table(
    "till_acks",
    metadata,
    Column("catalog_id", String(60), ForeignKey("catalogs.id"), nullable=False),
    Column("terminal_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("acked_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("catalog_id", "terminal_id"),
)

fairs = Table(
    "fairs",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("place", String(300), nullable=False),
)

fair_exhibitors = Table(
    "fair_exhibitors",
    metadata,
    Column("fair_id", String(60), ForeignKey("fairs.id"), nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("certificate_number", String(40), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("sales_vnd", BigInteger, nullable=True),
    Column("contracts", Integer, nullable=True),
    Column("notes", Text, nullable=True),
    PrimaryKeyConstraint("fair_id", "product_id"),
)

# Webhooks for POS systems that do not read Kafka (ocop_shared.webhooks): a subscription's
# scope is the one showroom (catalog id) whose changes it follows.
webhooks = add_webhook_tables(metadata)
