"""Scoring tables: rounds as scoring sees them, councils, evaluations, member sheets, results,
province-supplied sheet files. JSON columns hold small value lists (links, choices, snapshots)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from ocop_shared.access import add_access_table
from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import new_metadata
from ocop_shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
access_grants = add_access_table(metadata)
audit_log = add_audit_table(metadata)

# A round as scoring sees it: which regulation, and which of its procedures (levels) applies.
rounds = Table(
    "rounds",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("regulation", String(40), nullable=False),
    Column("procedure_from", Date, nullable=False),  # effective_from of the procedure used
    Column("name", String(200), nullable=True),
    Column("configured_by", String(200), nullable=True),  # None: learnt from a submission
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

councils = Table(
    "councils",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("round_id", String(60), nullable=False, index=True),
    Column("level", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("establishment_ref", String(200), nullable=True),  # decision establishing the council
    Column("quorum_numerator", Integer, nullable=False),
    Column("quorum_denominator", Integer, nullable=False),
    Column("quorum_requires_chair", Boolean, nullable=False),
    Column("max_spread", Numeric(5, 2), nullable=False),
    Column("required_departments", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),  # seats grant nothing after it
)

council_members = Table(
    "council_members",
    metadata,
    Column("council_id", String(36), primary_key=True),
    Column("member_id", String(200), primary_key=True),  # the member's id in the council
    Column("login", String(300), nullable=True, index=True),  # who signs in to this seat
    Column("position", Integer, nullable=False),  # listing order
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # chair | member | secretary
    Column("department", String(200), nullable=True),
    Column("commune_code", String(10), nullable=True),
    Column("entity_ids", JSON, nullable=False),  # entities the member belongs to / works for
    Column("supplies_entity_ids", JSON, nullable=False),  # entities the member supplies
)

conflict_declarations = Table(
    "conflict_declarations",
    metadata,
    Column("council_id", String(36), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("product_id", String(36), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("declared_by", String(200), nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
)

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
    Column("status", String(20), nullable=False),  # open | finalised | escalated | closed
    Column("product_name", String(300), nullable=False),
    Column("product_set_no", Integer, nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("entity_name", String(300), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("province_code", String(10), nullable=False),
    Column("district_name", String(100), nullable=True),  # before the 2025 reform
    Column("mean_score", Numeric(5, 2), nullable=True),
    Column("stars", Integer, nullable=True),
    Column("decision_ref", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Column("council_id", String(36), nullable=True, index=True),
    Column("parent_id", String(36), nullable=True),  # the lower level's evaluation
    Column("sheet_file_id", String(36), nullable=True),  # None: the regulation's packaged sheet
    Column("written_opinions", Boolean, nullable=False, server_default=false()),
    Column("present", JSON, nullable=True),  # member ids recorded present at the session
    Column("opened_at", DateTime(timezone=True), nullable=True),
    Column("closed_reason", Text, nullable=True),
    # The business flow that brought the dossier here: results continue its trace.
    Column("flow_correlation_id", String(100), nullable=True),
    Column("flow_traceparent", String(100), nullable=True),
    UniqueConstraint("submission_id", "level", name="uq_evaluations_submission_level"),
)

member_sheets = Table(
    "member_sheets",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("status", String(20), nullable=False),  # draft | submitted
    Column("choices", JSON, nullable=False),  # {criterion code: option index}
    Column("knockout_criterion", String(20), nullable=True),
    Column("knockout_reason", Text, nullable=True),
    Column("knockout", Boolean, nullable=False, server_default=false()),
    Column("total", Integer, nullable=True),
    Column("part_totals", JSON, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
)

# The council's result at finalisation, with a snapshot of everything the minutes show.
results = Table(
    "results",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("decision", String(20), nullable=False),
    Column("mean_score", Numeric(5, 2), nullable=True),
    Column("stars", Integer, nullable=True),
    Column("body", JSON, nullable=False),
    Column("finalised_by", String(200), nullable=False),
    Column("finalised_at", DateTime(timezone=True), nullable=False),
)

# Province-supplied sheet files (148/QĐ-TTg), validated, stored as data.
sheet_files = Table(
    "sheet_files",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("regulation", String(40), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("product_sets", JSON, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("regulation", "sha256", name="uq_sheet_files_regulation_sha256"),
)


sheet_versions = Table(  # every save of a member's sheet until hand-in: who changed what, when
    "sheet_versions",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("choices", JSON, nullable=False),
    Column("knockout", JSON, nullable=True),
    Column("saved_by", String(200), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)
