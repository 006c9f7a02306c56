"""In-memory repositories for trade's service-layer unit tests (cosmicpython's fakes): plain
dicts and lists with the methods, and signatures, of the repositories in trade.adapters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from trade.adapters.catalogs import PROVINCE_CATALOG, CatalogRepository
from trade.adapters.fairs import FairRepository
from trade.adapters.products import ProductRepository
from trade.adapters.tills import TillAck, TillRepository
from trade.adapters.webhooks import CatalogWebhooks
from trade.domain.catalog import CatalogItem, CertifiedProduct
from trade.domain.fairs import Exhibitor, Fair
from trade.domain.showrooms import FeedChange, Showroom


class FakeProducts:
    def __init__(self, *products: CertifiedProduct) -> None:
        self.rows = {p.product_id: p for p in products}

    async def get(self, product_id: str) -> CertifiedProduct | None:
        return self.rows.get(product_id)

    async def preload(self, product_ids: Iterable[str]) -> None:
        pass  # every row is in memory already

    async def save(self, product: CertifiedProduct) -> None:
        self.rows[product.product_id] = product

    async def certificate_number(self, product_id: str) -> str:
        found = self.rows.get(product_id)
        return found.item.certificate_number if found else ""

    async def listed(self, product_ids: Sequence[str] | None = None) -> list[CatalogItem]:
        return [p.item for _, p in sorted(self.rows.items())
                if p.listed and (product_ids is None or p.product_id in product_ids)]


@dataclass
class FakeCatalogs:
    showrooms: dict[str, Showroom] = field(default_factory=dict)
    assortments: dict[str, set[str]] = field(default_factory=dict)
    listed_items: dict[tuple[str, str], tuple[CatalogItem, int]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    locks: int = 0  # times the membership lock was asked for
    version_reads: list[str] = field(default_factory=list)  # catalogs whose version was read (locked)

    def showroom(self, catalog_id: str, *, carries_all: bool = False, version: int = 0,
                 floor_version: int = 0, api_key_hash: str | None = None) -> Showroom:
        made = Showroom(id=catalog_id, name=f"Điểm bán {catalog_id}", location_type="trade_centre",
                        address="Long Xuyên", commune_code=None, operator="HTX",
                        carries_all=carries_all, api_key_hash=api_key_hash, version=version,
                        floor_version=floor_version)
        self.showrooms[catalog_id] = made
        return made

    async def lock_membership(self, province_name: str, at: datetime) -> None:
        self.locks += 1
        if PROVINCE_CATALOG not in self.showrooms:
            self.showrooms[PROVINCE_CATALOG] = replace(
                self.showroom(PROVINCE_CATALOG, carries_all=True), name=province_name)

    def membership_changed(self) -> None:
        pass

    async def carrying(self, product_id: str) -> list[str]:
        return sorted(s.id for s in self.showrooms.values()
                      if s.carries_all or product_id in self.assortments.get(s.id, set()))

    async def listing(self, product_id: str) -> list[str]:
        return sorted(c for c, p in self.listed_items if p == product_id)

    async def exists(self, catalog_id: str) -> bool:
        return catalog_id in self.showrooms

    async def get(self, catalog_id: str) -> Showroom | None:
        return self.showrooms.get(catalog_id)

    async def add(self, showroom: Showroom, at: datetime) -> None:
        self.showrooms[showroom.id] = showroom

    async def set_key_hash(self, catalog_id: str, api_key_hash: str) -> None:
        self.showrooms[catalog_id] = replace(self.showrooms[catalog_id], api_key_hash=api_key_hash)

    async def key_hash_known(self, api_key_hash: str) -> bool:
        return any(s.api_key_hash == api_key_hash for s in self.showrooms.values())

    async def showroom_ids(self, only: Iterable[str] | None, *, limit: int,
                           offset: int) -> tuple[list[str], int]:
        ids = sorted(i for i in self.showrooms if i != PROVINCE_CATALOG
                     and (only is None or i in set(only)))
        return ids[offset:offset + limit], len(ids)

    async def assortment(self, catalog_id: str) -> set[str]:
        return set(self.assortments.get(catalog_id, set()))

    async def add_to_assortment(self, catalog_id: str, product_ids: Sequence[str], at: datetime) -> None:
        self.assortments.setdefault(catalog_id, set()).update(product_ids)

    async def drop_from_assortment(self, catalog_id: str, product_ids: Sequence[str]) -> None:
        self.assortments.get(catalog_id, set()).difference_update(product_ids)

    async def listed_among(self, catalog_id: str, product_ids: Sequence[str]) -> set[str]:
        return {p for c, p in self.listed_items if c == catalog_id and p in product_ids}

    async def put_items(self, versions: Mapping[str, int], item: CatalogItem) -> None:
        for catalog_id, version in versions.items():
            self.listed_items[catalog_id, item.product_id] = (item, version)

    async def remove_items(self, catalog_ids: Sequence[str], product_id: str) -> None:
        for catalog_id in catalog_ids:
            self.listed_items.pop((catalog_id, product_id), None)

    async def items(self, catalog_id: str) -> tuple[int, list[CatalogItem]]:
        found = self.showrooms.get(catalog_id)
        return (found.version if found else 0), [
            item for (c, _), (item, _) in self.listed_items.items() if c == catalog_id]

    async def versions_for_update(self, catalog_ids: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(catalog_ids))
        self.version_reads.extend(wanted)
        return {c: self.showrooms[c].version if c in self.showrooms else 0 for c in wanted}

    async def preload(self, product_ids: Iterable[str]) -> None:
        pass  # every row is in memory already

    async def set_versions(self, versions: Mapping[str, int]) -> None:
        for catalog_id, version in versions.items():
            self.showrooms[catalog_id] = replace(self.showrooms[catalog_id], version=version)

    async def append_changes(self, rows: list[dict[str, Any]]) -> None:
        self.changes.extend(rows)

    async def changes_after(self, catalog_id: str, version: int, limit: int) -> list[FeedChange]:
        rows = sorted((r for r in self.changes if r["catalog_id"] == catalog_id
                       and r["version"] > version), key=lambda r: r["version"])[:limit]
        return [FeedChange(version=r["version"], kind=r["kind"], product_id=r["product_id"],
                           reason=r.get("reason"), item=None) for r in rows]

    async def change_times(self, catalog_id: str, after: int) -> dict[int, datetime]:
        return {r["version"]: r["at"] for r in self.changes
                if r["catalog_id"] == catalog_id and r["version"] > after}

    async def compact(self, catalog_id: str, floor: int, *, floor_version: int) -> None:
        self.changes = [r for r in self.changes
                        if not (r["catalog_id"] == catalog_id and r["version"] <= floor)]
        self.showrooms[catalog_id] = replace(self.showrooms[catalog_id], floor_version=floor_version)


class FakeTills:
    def __init__(self) -> None:
        self.acked: dict[tuple[str, str], TillAck] = {}

    async def acknowledge(self, catalog_id: str, terminal_id: str, version: int, at: datetime) -> None:
        self.acked[catalog_id, terminal_id] = TillAck(terminal_id, version, at)

    async def acks(self, catalog_id: str) -> list[TillAck]:
        return [ack for (c, t), ack in sorted(self.acked.items()) if c == catalog_id]


class FakeFairs:
    def __init__(self, *fairs: Fair) -> None:
        self.fairs = {f.id: f for f in fairs}
        self.exhibitor_rows: list[Exhibitor] = []

    async def get(self, fair_id: str) -> Fair | None:
        found = self.fairs.get(fair_id)
        if found is None:
            return None  # like the table: a fresh copy, its version its exhibitors
        return Fair(id=found.id, name=found.name, starts_on=found.starts_on, ends_on=found.ends_on,
                    place=found.place,
                    version=sum(1 for e in self.exhibitor_rows if e.fair_id == fair_id))

    async def exists(self, fair_id: str) -> bool:
        return fair_id in self.fairs

    async def add(self, fair: Fair) -> None:
        self.fairs[fair.id] = fair

    async def is_exhibitor(self, fair_id: str, product_id: str) -> bool:
        return any(e.fair_id == fair_id and e.product_id == product_id for e in self.exhibitor_rows)

    async def add_exhibitor(self, exhibitor: Exhibitor) -> None:
        self.exhibitor_rows.append(exhibitor)

    async def record_result(self, fair_id: str, product_id: str, *, sales_vnd: int, contracts: int,
                            notes: str) -> bool:
        for index, e in enumerate(self.exhibitor_rows):
            if e.fair_id == fair_id and e.product_id == product_id:
                self.exhibitor_rows[index] = replace(e, sales_vnd=sales_vnd, contracts=contracts,
                                                     notes=notes)
                return True
        return False

    async def exhibitors(self, fair_id: str) -> list[Exhibitor]:
        return [e for e in self.exhibitor_rows if e.fair_id == fair_id]


class FakeWebhooks:
    """Which events were offered to the webhooks following which catalogs."""

    def __init__(self) -> None:
        self.offered: list[tuple[Envelope[Any], list[str]]] = []

    async def record_deliveries(self, uow: UnitOfWork, event: Envelope[Any], *,
                                keys: Iterable[str]) -> None:
        self.offered.append((event, list(keys)))

    async def preload(self, uow: UnitOfWork, catalog_ids: Iterable[str]) -> None:
        pass  # nothing to look up


@dataclass
class Fakes:
    """One of each fake repository, and the mapping FakeUnitOfWork takes."""

    products: FakeProducts = field(default_factory=FakeProducts)
    catalogs: FakeCatalogs = field(default_factory=FakeCatalogs)
    tills: FakeTills = field(default_factory=FakeTills)
    fairs: FakeFairs = field(default_factory=FakeFairs)
    webhooks: FakeWebhooks = field(default_factory=FakeWebhooks)

    def repositories(self) -> dict[type[Any], object]:
        return {ProductRepository: self.products, CatalogRepository: self.catalogs,
                TillRepository: self.tills, FairRepository: self.fairs,
                CatalogWebhooks: self.webhooks}
