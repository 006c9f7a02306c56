"""Registry use cases, by the names existing code imports them under; each family has its
own module (records, entities, documents, dossiers, handlers)."""

from __future__ import annotations

from .documents import DOWNLOAD_SECONDS, Upload, documents_of, download_link, upload_document
from .dossiers import (
    dossier_state,
    dossiers_of,
    file_dossier,
    missing_for,
    open_dossier,
    record_commune_report,
    save_form01,
    save_form02,
    withdraw_dossier,
)
from .entities import (
    EntityData,
    create_round,
    list_entities,
    list_products,
    list_rounds,
    register_entity,
    register_product,
    scope,
)
from .handlers import (
    on_certificate_expired,
    on_certificate_revoked,
    on_certificate_superseded,
    on_certified,
    on_evaluation_closed,
    on_evaluation_opened,
    on_scored,
)
from .records import (
    REGULATION_IN_FORCE,
    SERVICE,
    dossier_for,
    entity_for,
    may_act_for,
    may_read,
    may_read_entity,
    not_found,
    problem,
    product_for,
)

__all__ = [
    "DOWNLOAD_SECONDS", "REGULATION_IN_FORCE", "SERVICE", "EntityData", "Upload", "create_round",
    "documents_of", "dossier_for", "dossier_state", "dossiers_of", "download_link", "entity_for", "file_dossier",
    "list_entities", "list_products", "list_rounds", "may_act_for", "may_read",
    "may_read_entity", "missing_for", "not_found", "on_certificate_expired",
    "on_certificate_revoked", "on_certificate_superseded", "on_certified",
    "on_evaluation_closed", "on_evaluation_opened", "on_scored", "open_dossier", "problem",
    "product_for", "record_commune_report", "register_entity", "register_product", "save_form01",
    "save_form02", "scope", "upload_document", "withdraw_dossier",
]
