"""Topic names: one topic per aggregate stream, keyed by aggregate id."""

from __future__ import annotations

ENTITY = "ocop.registry.entity.v1"
PRODUCT = "ocop.registry.product.v1"
EVALUATION = "ocop.scoring.evaluation.v1"
CERTIFICATE = "ocop.certification.certificate.v1"
INSPECTION_FINDING = "ocop.inspection.finding.v1"
CATALOG = "ocop.trade.catalog.v1"
FAIR = "ocop.trade.fair.v1"
ACCESS = "ocop.registry.access.v1"
AUDIT = "ocop.audit.v1"

ALL = (ENTITY, PRODUCT, EVALUATION, CERTIFICATE, INSPECTION_FINDING, CATALOG, FAIR, ACCESS, AUDIT)

DLQ_PREFIX = "ocop.dlq."


def dead_letter_topic(consumer_group: str) -> str:
    """One dead-letter topic per consumer group."""
    return f"{DLQ_PREFIX}{consumer_group}"
