"""Reporting tables: one fact per event under its natural key (see `domain.facts`)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from ocop_shared.access import add_access_table
from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
access_grants = add_access_table(metadata)
audit_log = add_audit_table(metadata)

# EntityRegistered (and the entity facts of ProductSubmitted): legal form and address.
entities = Table(
    "entities",
    metadata,
    Column("entity_id", String(36), primary_key=True),
    Column("name", String(300), nullable=False, default=""),
    Column("legal_form", String(40), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("commune_name", String(200), nullable=True),
    Column("district_code", String(10), nullable=True),
    Column("district_name", String(200), nullable=True),
)

# ProductRegistered
products = Table(
    "products",
    metadata,
    Column("product_id", String(36), primary_key=True),
    Column("entity_id", String(36), nullable=False),
    Column("name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
)

# ProductSubmitted
submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False, index=True),
    Column("entity_id", String(36), nullable=False),
    Column("round_id", String(60), nullable=False),
    Column("case", String(20), nullable=False),
    Column("on", Date, nullable=False),
)

# Scored: one council result at one level.
scores = Table(
    "scores",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False, index=True),
    Column("submission_id", String(36), nullable=False),
    Column("round_id", String(60), nullable=False),
    Column("case", String(20), nullable=False),
    Column("level", String(20), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("mean_score", Numeric(5, 2), nullable=False),
    Column("recognising", Boolean, nullable=False),
    Column("escalated_to", String(20), nullable=True),
    Column("product_name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("entity_name", String(300), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("on", Date, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# EvaluationEscalated
escalations = Table(
    "escalations",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False),
    Column("submission_id", String(36), nullable=False),
    Column("from_level", String(20), nullable=False),
    Column("to_level", String(20), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("on", Date, nullable=False),
)

# RecognitionDecided: one row per result the decision recognised.
recognitions = Table(
    "recognitions",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False),
    Column("decision_number", String(100), nullable=False),
    Column("signed_on", Date, nullable=False),
)

# Certified, CertificateRevoked/Expired/Superseded/Extended: one row per certificate and kind.
certificate_events = Table(
    "certificate_events",
    metadata,
    Column("certificate_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("product_id", String(36), nullable=False, index=True),
    Column("number", String(40), nullable=False),
    Column("on", Date, nullable=False),
    Column("stars", Integer, nullable=True),
    Column("product_name", String(300), nullable=False, default=""),
    PrimaryKeyConstraint("certificate_id", "kind"),
)

# CatalogEntryAdded / CatalogEntryRemoved: each numbered change of each catalog.
listings = Table(
    "listings",
    metadata,
    Column("catalog_id", String(60), nullable=False),
    Column("catalog_version", Integer, nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("on", Date, nullable=False),
    Column("product_name", String(300), nullable=False, default=""),
    Column("stars", Integer, nullable=True),
    PrimaryKeyConstraint("catalog_id", "catalog_version"),
)

# FairExhibitorRegistered: one row per fair and product.
fair_exhibitors = Table(
    "fair_exhibitors",
    metadata,
    Column("fair_id", String(60), nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("fair_name", String(300), nullable=False),
    Column("place", String(300), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("stars", Integer, nullable=False),
    PrimaryKeyConstraint("fair_id", "product_id"),
)

audit_trail = Table(  # every service's audit records (ocop.audit.v1), for the office's search
    "audit_trail",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, index=True),
    Column("service", String(40), nullable=False),
    Column("actor", String(200), nullable=False, index=True),
    Column("actor_name", String(200), nullable=False),
    Column("actor_roles", String(300), nullable=False),
    Column("action", String(300), nullable=False),
    Column("aggregate_type", String(60), nullable=False),
    Column("aggregate_id", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("correlation_id", String(100), nullable=False),
    Column("client_address", String(64), nullable=True),
)

audit_refs = Table(  # what a record is found by: product, entity, certificate, dossier...
    "audit_refs",
    metadata,
    Column("record_id", String(36), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("value", String(200), nullable=False),
    PrimaryKeyConstraint("record_id", "kind"),
    Index("ix_audit_refs_kind_value", "kind", "value"),
)
