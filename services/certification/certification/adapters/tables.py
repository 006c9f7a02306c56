"""Certification tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from ocop_shared.access import add_access_table
from ocop_shared.audit import add_audit_table
from ocop_shared.db.engine import BigId, new_metadata
from ocop_shared.messaging.tables import add_messaging_tables
from ocop_shared.webhooks import add_webhook_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
access_grants = add_access_table(metadata)
audit_log = add_audit_table(metadata)

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
    Column("status", String(20), nullable=False, index=True),
    # aggregate_version of the last event about this certificate (no gaps, 1, 2, 3...)
    Column("version", Integer, nullable=False),
    Column("decision_date", Date, nullable=True),  # NULL on rows from before 0002: the issue day
    Column("province", String(100), nullable=False),
    # the body that recognised it (authorities data) and its district; NULL on rows from
    # before 0006: 26/2026's issuers by stars, as they were printed
    Column("issuer_id", String(40), nullable=True),
    Column("district", String(100), nullable=True),
    # who signed the recognition decision; NULL before 0008 (decisions were not kept)
    Column("signer_name", String(200), nullable=True),
    Column("signer_title", String(200), nullable=True),
    Column("province_code", String(10), nullable=True),
    Column("commune_code", String(10), nullable=True),
    Column("supersedes", String(40), nullable=True),
    Column("superseded_by", String(40), nullable=True),
    Column("revocation_grounds", String(40), nullable=True),  # "2,3"
    Column("revocation_decision_no", String(200), nullable=True),
    Column("revoked_on", Date, nullable=True),
    Column("pdf_sha256", String(64), nullable=True),
    Column("pdf_size", Integer, nullable=True),
    Column("qr_text", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=True),
    # the scheduler: notices are checked up to `notices_through`; the next one is due at `next_due_at`
    Column("notices_through", DateTime(timezone=True), nullable=True),
    Column("next_due_at", DateTime(timezone=True), nullable=True, index=True),
    # a re-rating dossier in progress (the registry's ProductSubmitted, case "rerating")
    Column("rerating_submission_id", String(36), nullable=True, index=True),
    Column("rerating_received_on", Date, nullable=True),
)

# certificates whose PDF the document job has still to render (few at any time)
Index("ix_certificates_pdf_pending", certificates.c.created_at,
      postgresql_where=certificates.c.pdf_sha256.is_(None),
      sqlite_where=certificates.c.pdf_sha256.is_(None))

history = Table(
    "certificate_history",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("certificate_id", String(36), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # the status moved to
    Column("reason", Text, nullable=False),  # Vietnamese, shown on the public page
    Column("from_status", String(20), nullable=True),  # NULL for the issue itself
    Column("effective_on", Date, nullable=True),  # the calendar day it takes effect
    Column("reason_en", Text, nullable=True),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Integer, nullable=False),
)

# One OCOP product code per product, kept across upgrades and re-ratings.
product_codes = Table(
    "product_codes",
    metadata,
    Column("product_id", String(36), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
)

# Every council result seen, and what it meant (certificate issued, or why not).
results = Table(
    "evaluation_results",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False, index=True),
    Column("submission_id", String(36), nullable=False, index=True),
    Column("case", String(20), nullable=False),
    Column("level", String(20), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("certificate_id", String(36), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# recognising results waiting for the authority's decision (the Scored payload, to issue from)
awaiting_decision = Table(
    "results_awaiting_decision",
    metadata,
    Column("evaluation_id", String(36), primary_key=True),
    Column("round_id", String(60), nullable=False, index=True),
    Column("product_id", String(36), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("result", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("decision_id", String(36), nullable=True, index=True),  # the draft or signed decision
    # the business flow the result came in: its certificate continues the submission's trace
    Column("flow_correlation_id", String(100), nullable=True),
    Column("flow_causation_id", String(100), nullable=True),  # the Scored event
    Column("flow_traceparent", String(100), nullable=True),
)

recognition_decisions = Table(
    "recognition_decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("round_id", String(60), nullable=False, index=True),
    Column("issuer_id", String(40), nullable=False),
    Column("province", String(100), nullable=False),
    Column("district", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("items", JSON, nullable=False),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
    Column("drafted_by", String(300), nullable=False),
    Column("number", String(100), nullable=True),
    Column("signed_on", Date, nullable=True),
    Column("signer_name", String(200), nullable=True),
    Column("signer_title", String(200), nullable=True),
    Column("document_sha256", String(64), nullable=True),
    Column("signed_at", DateTime(timezone=True), nullable=True),
    Column("certificates", JSON, nullable=True),  # evaluation id -> certificate number
    Column("version", Integer, nullable=False),
)

evidence_files = Table(
    "evidence_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)

inspections = Table(
    "inspections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("finding_id", String(100), nullable=False, unique=True),  # the reporter's id
    Column("source", String(20), nullable=False),  # "http" or "topic"
    Column("certificate_number", String(40), nullable=False, index=True),
    Column("certificate_id", String(36), nullable=True),  # NULL when the number is unknown
    Column("kind", String(20), nullable=False),
    Column("grounds", String(40), nullable=False),
    Column("conclusion", Text, nullable=False),
    Column("concluded_by", String(300), nullable=False),
    Column("concluded_on", Date, nullable=True),
    Column("confirmed", Boolean, nullable=False),
    Column("outcome", String(20), nullable=False),  # open, violation, rejected
    Column("note", Text, nullable=True),  # why no case was opened, if none was
    Column("case_id", String(36), nullable=True),
    Column("reported_by", String(100), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("department", String(40), nullable=True, index=True),  # whose inspection it was
)

inspection_evidence = Table(
    "inspection_evidence",
    metadata,
    Column("inspection_id", String(36), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    PrimaryKeyConstraint("inspection_id", "sha256"),
)

revocation_cases = Table(
    "revocation_cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("certificate_id", String(36), nullable=False, index=True),
    Column("certificate_number", String(40), nullable=False),
    Column("inspection_id", String(36), nullable=True),
    Column("stars", Integer, nullable=False),
    Column("province", String(100), nullable=False),
    Column("issuer_id", String(40), nullable=True),  # the certificate's issuer (NULL before 0006)
    Column("district", String(100), nullable=True),
    Column("grounds", String(40), nullable=False),
    Column("conclusion", Text, nullable=False),
    Column("concluded_on", Date, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("deadline", Date, nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("decision_no", String(200), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("dismissal_reason", Text, nullable=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

scheduler_runs = Table(
    "scheduler_state",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("last_run_at", DateTime(timezone=True), nullable=False),
    Column("last_run_notices", Integer, nullable=False),
    Column("total_notices", Integer, nullable=False),
)

# Each notice once: the key is stable (number:kind:day), a second line of defence.
notices = Table(
    "notices",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("certificate_id", String(36), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("emitted_at", DateTime(timezone=True), nullable=False),
)

# Webhook subscriptions, deliveries and every attempt (ocop_shared.webhooks); a subscription's
# scope is the event types it wants (JSON list; empty = every certificate event).
webhooks = add_webhook_tables(metadata, scope_column="event_types")
webhook_subscriptions = webhooks.subscriptions
webhook_deliveries = webhooks.deliveries
webhook_attempts = webhooks.attempts
