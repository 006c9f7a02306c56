"""Loading and saving registry aggregates: every query of the registry lives in the modules
named here, one repository per aggregate (a use case gets each with `uow.repository(Kind)`)."""

from __future__ import annotations

from .access import CouncilReaderRepository, GrantRepository
from .documents import DocumentRepository
from .dossiers import DossierRepository, RoundRepository
from .entities import EntityRepository
from .products import ProductRepository
from .sql import Scope, SqlRepository, form_json, utc

__all__ = ["CouncilReaderRepository", "DocumentRepository", "DossierRepository",
           "EntityRepository", "GrantRepository", "ProductRepository", "RoundRepository",
           "Scope", "SqlRepository", "form_json", "utc"]
