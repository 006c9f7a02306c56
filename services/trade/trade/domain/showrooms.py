"""Points of sale (showrooms) and what their catalog's delta feed holds."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import CatalogItem


@dataclass(frozen=True)
class Showroom:
    """A point of sale and its catalog: `version` counts the catalog's changes, changes up to
    `floor_version` were compacted away."""

    id: str
    name: str
    location_type: str | None
    address: str
    commune_code: str | None
    operator: str
    carries_all: bool
    api_key_hash: str | None
    version: int
    floor_version: int


@dataclass(frozen=True)
class FeedChange:
    """One numbered change of a catalog: an upsert carries the item, a tombstone its reason."""

    version: int
    kind: str  # upsert | tombstone
    product_id: str
    reason: str | None
    item: CatalogItem | None
