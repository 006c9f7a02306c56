"""A catalog's stream of changes: every listing and delisting takes the catalog's next version
and is announced (CatalogEntryAdded / CatalogEntryRemoved) under that number, which is also the
till's cursor."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import CatalogEntryAdded, CatalogEntryRemoved, RemovalReason
from ocop_shared.contracts.trade_events import CatalogEntryAddedPayload, CatalogEntryRemovedPayload

from .catalog import CatalogItem, Removal


@dataclass
class CatalogStream(Aggregate):
    id: str  # the catalog's id
    version: int  # changes so far

    def list(self, item: CatalogItem) -> int:
        self.record(CatalogEntryAdded, CatalogEntryAddedPayload(
            catalog_id=self.id, catalog_version=self.version + 1, product_id=item.product_id,
            product_name=item.product_name, product_code=item.product_code,
            entity_name=item.entity_name, stars=item.stars,
            certificate_number=item.certificate_number, valid_until=item.valid_until,
            verification_url=item.verification_url))
        return self.version

    def delist(self, product_id: str, certificate_number: str, removal: Removal) -> int:
        self.record(CatalogEntryRemoved, CatalogEntryRemovedPayload(
            catalog_id=self.id, catalog_version=self.version + 1, product_id=product_id,
            certificate_number=certificate_number, reason=RemovalReason(removal.value)))
        return self.version
