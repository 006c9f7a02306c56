"""What trade's embedded tests share: certificate events written to the bus as the
certification service would publish them, the demo's two showrooms, and waiting for a
product to enter or leave a catalog."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from helpers import as_role, wait_until
from ocop_shared.auth import Role
from ocop_shared.clock import SystemClock
from ocop_shared.contracts import CertificateExpired, CertificateRevoked, Certified, topics
from ocop_shared.contracts.certification_events import (
    CertificateExpiredPayload,
    CertificateRevokedPayload,
    CertifiedPayload,
)
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.settings import Settings


class Certification:
    """Publishes certificate events onto the embedded bus like the certification service."""

    def __init__(self, data_dir: Path) -> None:
        self.log = EmbeddedLog(data_dir / "bus.sqlite3")
        self.clock = SystemClock()
        self.versions: dict[str, int] = {}

    async def publish(self, event: Any) -> None:
        await self.log.open()
        await self.log.append([OutboundMessage(topics.CERTIFICATE, event.aggregate_id,
                                               event.to_json_bytes())])

    def _next(self, certificate_id: str) -> int:
        self.versions[certificate_id] = self.versions.get(certificate_id, 0) + 1
        return self.versions[certificate_id]

    async def certify(self, name: str, stars: int = 4, valid_until: date = date(2029, 11, 27),
                      issued_on: date = date(2026, 11, 28), product_id: str | None = None) -> dict[str, str]:
        """A new certificate; with `product_id`, an upgrade of that product's certificate."""
        product_id, certificate_id = product_id or str(uuid.uuid4()), str(uuid.uuid4())
        number = f"91-2026-{len(self.versions) + 1:05d}"
        await self.publish(new_event(
            Certified, CertifiedPayload(
                certificate_id=certificate_id, number=number, product_id=product_id,
                product_code=f"91-30316-{len(self.versions) + 1}-2026", product_name=name,
                entity_id="e", entity_name="HTX Châu Đốc", stars=stars,
                regulation="26/2026/QĐ-TTg", decision_no="QĐ 1/QĐ-UBND", issued_on=issued_on,
                valid_until=valid_until, authority="UBND tỉnh An Giang",
                verification_url=f"http://x/certification/verify/{number}"),
            aggregate_id=certificate_id, aggregate_version=self._next(certificate_id),
            producer="certification", clock=self.clock))
        return {"product_id": product_id, "certificate_id": certificate_id, "number": number}

    async def revoke(self, cert: dict[str, str]) -> None:
        await self.publish(new_event(
            CertificateRevoked, CertificateRevokedPayload(
                certificate_id=cert["certificate_id"], number=cert["number"],
                product_id=cert["product_id"], grounds=[3], decision_no="QĐ 99/QĐ-UBND",
                revoked_on=date(2026, 12, 1), reason="Vi phạm ghi nhãn"),
            aggregate_id=cert["certificate_id"],
            aggregate_version=self._next(cert["certificate_id"]), producer="certification",
            clock=self.clock))

    async def expire(self, cert: dict[str, str]) -> None:
        await self.publish(new_event(
            CertificateExpired, CertificateExpiredPayload(
                certificate_id=cert["certificate_id"], number=cert["number"],
                product_id=cert["product_id"], expired_on=date(2029, 11, 28)),
            aggregate_id=cert["certificate_id"],
            aggregate_version=self._next(cert["certificate_id"]), producer="certification",
            clock=self.clock))


SHOWROOMS = [
    {"id": "long-xuyen", "name": "Điểm giới thiệu và bán sản phẩm OCOP Long Xuyên",
     "location_type": "trade_centre", "address": "Phường Long Xuyên", "commune_code": "30307",
     "operator": "Trung tâm Xúc tiến Thương mại An Giang", "carries_all": False},
    {"id": "tinh-bien", "name": "Điểm giới thiệu và bán sản phẩm OCOP Tịnh Biên",
     "location_type": "tourist_site", "address": "Phường Tịnh Biên", "commune_code": "30520",
     "operator": "HTX Tịnh Biên", "carries_all": True},
]


async def setup(client: httpx.AsyncClient, settings: Settings) -> dict[str, str]:
    office = await as_role(client, Role.PROVINCE_OFFICE)
    keys = {}
    for showroom in SHOWROOMS:
        r = await client.post("/trade/showrooms", headers=office, json=showroom)
        assert r.status_code == 201, r.text
        keys[showroom["id"]] = r.json()["api_key"]
    return keys


async def listed(client: httpx.AsyncClient, catalog: str, product_id: str, present: bool) -> None:
    async def check() -> bool:
        body = (await client.get(f"/trade/catalogs/{catalog}")).json()
        return any(e["product_id"] == product_id for e in body["entries"]) is present

    await wait_until(check, what=f"{product_id} {'in' if present else 'out of'} {catalog}")
