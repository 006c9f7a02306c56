"""Registry tables (SQLAlchemy Core); the domain never imports these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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
    UniqueConstraint,
)

from ocop_shared.access import add_access_table
from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import BigId, new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
access_grants = add_access_table(metadata)
audit_log = add_audit_table(metadata)

entities = Table(
    "entities",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("legal_form", String(40), nullable=False),
    Column("registration_no", String(40), nullable=False, unique=True),
    Column("commune_code", String(10), nullable=False, index=True),
    Column("province_code", String(10), nullable=False),
    Column("address", String(500), nullable=False, default=""),
    Column("phone", String(20), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    Column("representative_name", String(200), nullable=False, default=""),
    Column("representative_position", String(200), nullable=False, default=""),
    Column("representative_female", Boolean, nullable=False, default=False),
    Column("representative_ethnicity", String(60), nullable=False, default=""),
    Column("representative_disabled", Boolean, nullable=False, default=False),
    Column("owner_subject", String(100), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("entity_id", String(36), ForeignKey("entities.id"), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("product_code", String(40), nullable=True),
    Column("certificate_number", String(40), nullable=True),
    Column("certificate_stars", Integer, nullable=True),
    Column("certificate_valid_until", Date, nullable=True),
    Column("certificate_active", Boolean, nullable=False, default=False),
    Column("certificate_event_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
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

documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("replaces_id", String(36), nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", String(100), nullable=False),
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("regulation", String(40), nullable=False),
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False, index=True),
    Column("case", String(20), nullable=False),
    Column("round_id", String(60), ForeignKey("rounds.id"), nullable=False),
    Column("status", String(30), nullable=False),
    Column("form01", JSON, nullable=True),
    Column("form02", JSON, nullable=True),
    Column("form03", JSON, nullable=True),
    Column("manifest", JSON, nullable=True),
    Column("filed_at", DateTime(timezone=True), nullable=True),
    Column("forwarded_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False),
)

entity_members = Table(  # people (besides its owner) who act for an entity, by identity key
    "entity_members",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("entity_id", String(36), ForeignKey("entities.id"), nullable=False, index=True),
    Column("login", String(300), nullable=False, index=True),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("entity_id", "login"),
)

council_readers = Table(  # from scoring: who sits on the council evaluating a product now
    "council_readers",
    metadata,
    Column("evaluation_id", String(36), nullable=False),
    Column("product_id", String(36), nullable=False, index=True),
    Column("login", String(300), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("evaluation_id", "login"),
)

consents = Table(  # the representative's consent to their sensitive data (criterion 3.2)
    "sensitive_data_consents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("entity_id", String(36), ForeignKey("entities.id"), nullable=False, index=True),
    Column("purpose", String(60), nullable=False),
    Column("data_kinds", String(100), nullable=False),  # comma-separated; "" once erased
    Column("given_by", String(200), nullable=False),  # the representative's name; "" once erased
    Column("given_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(200), nullable=False),  # the subject who entered it
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_by", String(200), nullable=True),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)
