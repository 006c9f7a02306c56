"""Scoring tables."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Numeric, String, Table, Text, UniqueConstraint

from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("submission_id", String(36), nullable=False),
    Column("product_id", String(36), nullable=False, index=True),
    Column("round_id", String(60), nullable=False),
    Column("case", String(20), nullable=False),
    Column("regulation", String(40), nullable=False),
    Column("level", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("entity_name", String(300), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("mean_score", Numeric(5, 2), nullable=True),
    Column("stars", Integer, nullable=True),
    Column("decision_ref", Text, nullable=True),
    Column("version", Integer, nullable=False),
    UniqueConstraint("submission_id", "level", name="uq_evaluations_submission_level"),
)
