"""Events of the trade service: catalog changes for POS subscribers, fair participation."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .envelope import Envelope, Payload


class RemovalReason(StrEnum):
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    DROPPED = "dropped_from_assortment"


class CatalogEntryAddedPayload(Payload):
    catalog_id: str
    catalog_version: int = Field(ge=1)
    product_id: str
    product_name: str
    product_code: str
    entity_name: str
    stars: int = Field(ge=3, le=5)
    certificate_number: str
    valid_until: date
    verification_url: str


class CatalogEntryAdded(Envelope[CatalogEntryAddedPayload]):
    """A product entered (or was updated in) a catalog."""

    topic: ClassVar[str] = topics.CATALOG
    type: Literal["CatalogEntryAdded"] = "CatalogEntryAdded"
    version: Literal[1] = 1


class CatalogEntryRemovedPayload(Payload):
    catalog_id: str
    catalog_version: int = Field(ge=1)
    product_id: str
    certificate_number: str
    reason: RemovalReason


class CatalogEntryRemoved(Envelope[CatalogEntryRemovedPayload]):
    """A product left a catalog: a tombstone for POS terminals."""

    topic: ClassVar[str] = topics.CATALOG
    type: Literal["CatalogEntryRemoved"] = "CatalogEntryRemoved"
    version: Literal[1] = 1


class FairExhibitorRegisteredPayload(Payload):
    fair_id: str
    fair_name: str
    starts_on: date
    ends_on: date
    place: str
    product_id: str
    product_name: str
    entity_name: str
    stars: int = Field(ge=3, le=5)
    certificate_number: str


class FairExhibitorRegistered(Envelope[FairExhibitorRegisteredPayload]):
    """A certified product was registered to exhibit at a fair (keyed by fair id)."""

    topic: ClassVar[str] = topics.FAIR
    type: Literal["FairExhibitorRegistered"] = "FairExhibitorRegistered"
    version: Literal[1] = 1
